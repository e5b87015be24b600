using System.Text.Json;
using System.Text.Json.Nodes;
using Identity.Grains.Mdoc;

namespace Identity.Tests.Mdoc;

/// <summary>Disclosed elements in the JSON form of <c>expected_disclosed</c>, for deep comparison.</summary>
internal static class MdocJson
{
    public static JsonNode Elements(VerifiedMdoc document)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (nameSpace, elements) in document.Elements)
            {
                writer.WriteStartObject(nameSpace);
                foreach (var (identifier, value) in elements)
                {
                    writer.WritePropertyName(identifier);
                    value.WriteJson(writer);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return JsonNode.Parse(stream.ToArray())!;
    }
}
