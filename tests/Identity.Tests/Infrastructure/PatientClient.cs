using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Identity.Tests.Infrastructure;

/// <summary>A browser-like client of the service: keeps cookies, sends an Origin header and runs passkey ceremonies.</summary>
public sealed class PatientClient(HttpClient http, string origin) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static PatientClient For(IdentityApiFactory factory)
    {
        var http = factory.CreateClient(new() { BaseAddress = new Uri(factory.Origin), HandleCookies = true });
        http.DefaultRequestHeaders.Add("Origin", factory.Origin);
        return new PatientClient(http, factory.Origin);
    }

    public string Origin { get; } = origin;

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<string> OptionsAsync(string path, object? body = null)
    {
        using var response = await PostJsonAsync(path, JsonSerializer.Serialize(body ?? new { }));
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Registers a new patient with the authenticator's credential; returns the response.</summary>
    public async Task<HttpResponseMessage> RegisterAsync(SoftwareAuthenticator authenticator) =>
        await PostJsonAsync("/api/passkeys/register", authenticator.Create(await OptionsAsync("/api/passkeys/register/options")));

    public async Task<HttpResponseMessage> SignInAsync(SoftwareAuthenticator authenticator) =>
        await PostJsonAsync("/api/passkeys/sign-in", authenticator.Get(await OptionsAsync("/api/passkeys/sign-in/options")));

    public async Task<JsonElement> MeAsync()
    {
        using var response = await Http.GetAsync("/api/account/me");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement[]> PasskeysAsync()
    {
        using var response = await Http.GetAsync("/api/passkeys");
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];
    }

    public void Dispose() => Http.Dispose();
}
