using System.Text.Json.Nodes;
using Identity.Grains.Consent;

namespace Identity.Tests.Consent;

/// <summary>The reader alone over shared/vectors/fhir/consent: valid ones accepted and round-tripped, invalid ones refused as the manifest says.</summary>
public sealed class ConsentResourceReaderTests
{
    public static TheoryData<string> ValidFiles() => [.. ConsentVectors.ValidFiles()];

    public static TheoryData<string> InvalidFiles() => [.. ConsentVectors.InvalidCases().Select(c => c.File)];

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Valid_vector_is_accepted_and_round_trips(string file)
    {
        var (consent, failure) = ConsentResourceReader.Read(File.ReadAllBytes(ConsentVectors.Valid(file)));
        Assert.Null(failure);

        var written = ConsentResourceReader.Serialize(consent!);

        Assert.Null(ConsentResourceReader.Read(written).Failure);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(ConsentVectors.Valid(file))), JsonNode.Parse(written)),
            $"{file} changed when read and written again");
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void Invalid_vector_is_refused_with_the_manifest_status_and_issue_code(string file)
    {
        var expected = ConsentVectors.InvalidCases().Single(c => c.File == file);

        var (consent, failure) = ConsentResourceReader.Read(File.ReadAllBytes(ConsentVectors.Invalid(file)));

        Assert.Null(consent);
        Assert.NotNull(failure);
        Assert.Equal((expected.Status, expected.IssueCode), (failure.Status, failure.IssueCode));
        Assert.True(failure.Message.Length <= 400, "SDK messages are shortened");
        Assert.DoesNotContain("<script", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void R5_consent_is_named_as_such()
    {
        var (_, failure) = ConsentResourceReader.Read(File.ReadAllBytes(ConsentVectors.Invalid("r5-shaped.json")));

        Assert.Contains("R5", failure!.Message, StringComparison.Ordinal);
        Assert.Contains("R4", failure.Message, StringComparison.Ordinal);
    }
}
