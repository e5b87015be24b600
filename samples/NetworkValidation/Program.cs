using System.Globalization;

namespace NetworkValidation;

/// <summary>
/// <c>dotnet run --project samples/NetworkValidation -- --issuer http://localhost:5080/ --client-id demo-network
/// --client-secret … --resource https://demo-network.localhost/fhir [--token eyJ…] [--scope network:demo] [--require-ial2]</c>.
/// Without <c>--token</c> it first obtains a client-credentials token for the network itself.
/// Exit code 0: valid offline and active online; 1: refused; 2: usage.
/// </summary>
internal static class Program
{
    private const string Usage =
        "usage: NetworkValidation --issuer <url> --client-id <id> --client-secret <secret> (or NETWORK_CLIENT_SECRET) " +
        "--resource <network resource> [--token <access token> | --scope <scope>] [--require-ial2]";

    private static async Task<int> Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var requireIal2 = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--require-ial2")
            {
                requireIal2 = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                options[args[i][2..]] = args[++i];
            }
            else
            {
                return Fail(Usage);
            }
        }
        options.TryAdd("client-secret", Environment.GetEnvironmentVariable("NETWORK_CLIENT_SECRET") ?? "");
        if (!options.TryGetValue("issuer", out var issuer) || !Uri.TryCreate(issuer, UriKind.Absolute, out var issuerUri)
            || !options.TryGetValue("client-id", out var clientId) || options["client-secret"].Length == 0
            || !options.TryGetValue("resource", out var resource))
        {
            return Fail(Usage);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        NetworkTokenValidator validator;
        try
        {
            validator = new NetworkTokenValidator(http, issuerUri, new NetworkCredentials(clientId, options["client-secret"], resource));
        }
        catch (ArgumentException refused)
        {
            return Fail(refused.Message);
        }

        var token = options.GetValueOrDefault("token")
            ?? await validator.RequestClientCredentialsTokenAsync(options.GetValueOrDefault("scope") ?? "network:demo");

        var offline = await validator.ValidateOfflineAsync(token);
        if (!offline.IsValid)
        {
            Console.WriteLine($"offline: REFUSED {offline.Error}: {offline.ErrorDescription}");
            return 1;
        }
        Console.WriteLine("offline: valid");
        Console.WriteLine($"  typ        {offline.Type}, kid {offline.KeyId}");
        Console.WriteLine($"  sub        {offline.Subject}");
        Console.WriteLine($"  client_id  {offline.ClientId}");
        Console.WriteLine($"  scope      {string.Join(' ', offline.Scopes)}");
        Console.WriteLine($"  acr        {offline.Acr ?? (offline.Amr.Count == 0 ? "(none: no patient in this token)" : "(none: identity not verified, AAL2 only)")}{(offline.IsIal2 ? "  [IAL2]" : "")}");
        Console.WriteLine($"  amr        {string.Join(' ', offline.Amr)}");
        Console.WriteLine($"  expires    {offline.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}");
        if (requireIal2 && !offline.IsIal2)
        {
            Console.WriteLine("offline: REFUSED the token does not carry an IAL2 acr");
            return 1;
        }

        var online = await validator.IntrospectAsync(token);
        Console.WriteLine(online.Active
            ? $"online: active (sub {online.Subject}, aud {string.Join(' ', online.Audiences)}, acr {online.Acr ?? "none"})"
            : "online: INACTIVE (revoked, expired or not issued for this network)");
        return online.Active ? 0 : 1;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
