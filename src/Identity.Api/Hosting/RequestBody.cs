using System.Text;
using System.Text.Json;

namespace Identity.Api.Hosting;

/// <summary>Reads JSON request bodies with a size cap and a depth limit, turning bad input into problem responses.</summary>
public static class RequestBody
{
    /// <summary>A WebAuthn response with a large RSA key and attestation fits in well under this.</summary>
    public const int MaxCredentialBytes = 64 * 1024;

    public const int MaxSmallJsonBytes = 4 * 1024;

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web) { MaxDepth = 8 };

    /// <summary>The body as UTF-8 text that is well-formed JSON, or the problem to answer with.</summary>
    public static async Task<(string? Json, IResult? Problem)> ReadJsonTextAsync(HttpRequest request, int maxBytes)
    {
        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "The request body must be application/json."));
        }
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, TooLarge(maxBytes));
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return (null, Problems.BadRequest("malformed_json", "The request body is not well-formed JSON."));
        }
        return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
    }

    /// <summary>The body deserialized to <typeparamref name="T"/>, or the problem to answer with.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        var (json, problem) = await ReadJsonTextAsync(request, MaxSmallJsonBytes);
        if (problem is not null)
        {
            return (null, problem);
        }
        try
        {
            return JsonSerializer.Deserialize<T>(json!, SerializerOptions) is { } value
                ? (value, null)
                : (null, Problems.BadRequest("malformed_json", "The request body must be a JSON object."));
        }
        catch (JsonException)
        {
            return (null, Problems.BadRequest("malformed_json", $"The request body does not have the shape of {typeof(T).Name}."));
        }
    }

    private static IResult TooLarge(int maxBytes) => Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
        "The request body is too large.", $"At most {maxBytes} bytes are accepted here.");
}
