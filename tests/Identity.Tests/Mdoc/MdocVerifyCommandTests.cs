using System.Buffers.Text;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Identity.Api.Commands;
using Microsoft.Extensions.Configuration;

namespace Identity.Tests.Mdoc;

/// <summary><c>mdoc verify</c> on vector files: one JSON verdict and the exit code.</summary>
public sealed class MdocVerifyCommandTests : IDisposable
{
    private readonly string _trust = Directory.CreateTempSubdirectory("mdoc-trust-").FullName;

    public MdocVerifyCommandTests()
    {
        foreach (var pem in new[] { "iaca_p256_us.pem", "iaca_p384_nl.pem" })
        {
            File.Copy(Path.Combine(MdlVector.Root, "trust", pem), Path.Combine(_trust, pem));
        }
    }

    [Fact]
    public async Task Valid_vector_prints_the_disclosed_elements_and_exits_zero()
    {
        var vector = MdlVector.Load("valid_oid4vp_es256");

        var (exitCode, json) = await RunAsync(vector.FilePath, vector);

        Assert.Equal(0, exitCode);
        Assert.True(json["valid"]!.GetValue<bool>());
        Assert.Equal("org.iso.18013.5.1.mDL", json["docType"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(vector.ExpectedDisclosed, json["elements"]));
    }

    [Fact]
    public async Task Base64url_response_file_is_accepted_like_raw_cbor()
    {
        var vector = MdlVector.Load("valid_dcapi");
        var file = Path.Combine(_trust, "..", $"vp_token-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, Base64Url.EncodeToString(vector.DeviceResponse) + "\n");

        var (exitCode, json) = await RunAsync(file, vector);
        File.Delete(file);

        Assert.Equal(0, exitCode);
        Assert.True(json["valid"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Invalid_vector_prints_its_category_and_exits_one()
    {
        var vector = MdlVector.Load("neg_digest_tampered_value");

        var (exitCode, json) = await RunAsync(vector.FilePath, vector);

        Assert.Equal(1, exitCode);
        Assert.False(json["valid"]!.GetValue<bool>());
        Assert.Equal("digest_mismatch", json["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(json["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Missing_option_is_a_usage_error()
    {
        var output = new StringWriter();

        var exitCode = await new MdocVerifyCommand().RunAsync(["--response", "x"], new ConfigurationBuilder().Build(), output, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Equal("usage", JsonNode.Parse(output.ToString())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Command_is_dispatched_from_the_command_line()
    {
        var vector = MdlVector.Load("valid_dcapi");
        var output = new StringWriter();

        var exitCode = await OperatorCommands.TryRunAsync(["mdoc", "verify", .. Arguments(vector.FilePath, vector)], output);

        Assert.Equal(0, exitCode);
        Assert.True(JsonNode.Parse(output.ToString())!["valid"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Built_service_runs_the_command_in_its_own_process()
    {
        var vector = MdlVector.Load("neg_mso_expired");
        var api = Path.Combine(AppContext.BaseDirectory, "Identity.Api.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { api, "mdoc", "verify" }.Concat(Arguments(vector.FilePath, vector)))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(1, process.ExitCode);
        Assert.Equal("mso_expired", JsonNode.Parse(stdout)!["error"]!.GetValue<string>());
    }

    private async Task<(int ExitCode, JsonNode Json)> RunAsync(string file, MdlVector vector)
    {
        var output = new StringWriter();
        var exitCode = await new MdocVerifyCommand().RunAsync(Arguments(file, vector), new ConfigurationBuilder().Build(), output, CancellationToken.None);
        var text = output.ToString();
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return (exitCode, JsonNode.Parse(text)!);
    }

    private string[] Arguments(string file, MdlVector vector)
    {
        var handover = vector.Handover;
        var common = new[] { "--response", file, "--trust", _trust, "--at", vector.Case.GetProperty("verification_time").GetString()!, "--nonce", handover.GetProperty("nonce").GetString()! };
        return handover.GetProperty("type").GetString() == "OpenID4VPHandover"
            ? [.. common, "--handover", "openid4vp", "--client-id", handover.GetProperty("client_id").GetString()!, "--response-uri", handover.GetProperty("response_uri").GetString()!]
            : [.. common, "--handover", "dcapi", "--origin", handover.GetProperty("origin").GetString()!];
    }

    public void Dispose() => Directory.Delete(_trust, recursive: true);
}
