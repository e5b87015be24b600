using System.Net;
using System.Text;
using System.Text.Json;
using Identity.Grains.Audit;
using Identity.Tests.Infrastructure;

namespace Identity.Tests.Audit;

/// <summary>Each audited operation over HTTP stores exactly one AuditEvent of the expected kind, in the expected chain.</summary>
public sealed class AuditedOperationTests(AuditReaderFactory factory) : IClassFixture<AuditReaderFactory>
{
    private const string Nickname = "Alice Quintessa Example";

    /// <summary>(arrange, act, expected status, type, subtype, action, outcome, outcomeDesc, in the patient's chain).</summary>
    private static readonly Dictionary<string, Operation> Operations = new()
    {
        ["register"] = new(_ => Task.CompletedTask, w => w.Client.RegisterWithNicknameAsync(w.Phone),
            HttpStatusCode.Created, "110110", "", "C", "0", null, true),
        ["register-unstarted"] = new(_ => Task.CompletedTask,
            w => w.Client.PostJsonAsync("/api/passkeys/register", w.Phone.Create("{\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"rp\":{\"id\":\"localhost\"},\"user\":{\"id\":\"AAAA\"}}")),
            HttpStatusCode.BadRequest, "110110", "", "C", "4", "passkey_ceremony_missing", false),
        ["register-taken-credential"] = new(w => w.RegisterOtherAsync(),
            w => new PatientClient(w.Factory.CreateClient(new() { BaseAddress = new Uri(w.Factory.Origin), HandleCookies = true }), w.Factory.Origin)
                .WithOrigin().RegisterAsync(w.Phone),
            HttpStatusCode.Conflict, "110110", "", "C", "4", "passkey_already_registered", false),
        ["sign-in"] = new(w => w.RegisterAsync(), w => w.Client.SignInAsync(w.Phone),
            HttpStatusCode.OK, "110114", "110122", "E", "0", null, true),
        ["sign-in-unknown-passkey"] = new(_ => Task.CompletedTask, w => w.Client.SignInAsync(w.Laptop),
            HttpStatusCode.BadRequest, "110114", "110122", "E", "4", "passkey_unknown_credential", false),
        ["sign-in-cloned-counter"] = new(async w => { await w.RegisterAsync(); using (await w.Client.SignInAsync(w.Phone)) { } w.Phone.SignCount = 1; },
            w => w.Client.SignInAsync(w.Phone),
            HttpStatusCode.BadRequest, "110114", "110122", "E", "4", "passkey_sign_count_regressed", true),
        ["add-passkey"] = new(w => w.RegisterAsync(), w => w.AddLaptopAsync(),
            HttpStatusCode.Created, "110113", "110137", "C", "0", null, true),
        ["add-passkey-refused"] = new(w => w.RegisterAsync(), async w =>
            {
                var options = await w.Client.OptionsAsync("/api/passkeys/options");
                w.Laptop.UserHandleFrom(w.Phone);
                w.Laptop.UserVerified = false;
                return await w.Client.PostJsonAsync("/api/passkeys", w.Laptop.Create(options));
            },
            HttpStatusCode.BadRequest, "110113", "110137", "C", "4", "passkey_user_verification_required", true),
        ["rename-passkey"] = new(w => w.RegisterAsync(),
            w => w.Client.Http.PatchAsync($"/api/passkeys/{w.Phone.CredentialIdText}", Json("{\"name\":\"Phone\"}")),
            HttpStatusCode.NoContent, "110113", "110137", "U", "0", null, true),
        ["remove-passkey"] = new(async w => { await w.RegisterAsync(); using (await w.AddLaptopAsync()) { } },
            w => w.Client.Http.DeleteAsync($"/api/passkeys/{w.Phone.CredentialIdText}"),
            HttpStatusCode.NoContent, "110113", "110137", "D", "0", null, true),
        ["remove-last-passkey"] = new(w => w.RegisterAsync(),
            w => w.Client.Http.DeleteAsync($"/api/passkeys/{w.Phone.CredentialIdText}"),
            HttpStatusCode.Conflict, "110113", "110137", "D", "4", "last_passkey", true),
    };

    public static TheoryData<string> OperationNames => [.. Operations.Keys];

    [Theory]
    [MemberData(nameof(OperationNames))]
    public async Task Operation_records_exactly_one_expected_AuditEvent(string name)
    {
        var operation = Operations[name];
        using var world = new World(factory);
        await operation.Arrange(world);
        var before = (await factory.EntriesAsync()).Select(e => e.Index.EventId).ToHashSet();

        using var response = await operation.Act(world);

        Assert.True(operation.Status == response.StatusCode, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        // Entries of other tests' patients can appear meanwhile; only this world's chains and unattributed ones count.
        var added = (await factory.EntriesAsync()).Where(e => !before.Contains(e.Index.EventId)
            && (e.Chain == AuditChains.System || e.Chain == world.PatientId)).ToList();
        var entry = Assert.Single(added);
        var auditEvent = JsonDocument.Parse(entry.EventJson).RootElement;
        Assert.Equal(operation.Type, auditEvent.GetProperty("type").GetProperty("code").GetString());
        Assert.Equal(operation.Subtype, entry.Index.Subtype.Trim('\n'));
        Assert.Equal(operation.Action, auditEvent.GetProperty("action").GetString());
        Assert.Equal(operation.Outcome, auditEvent.GetProperty("outcome").GetString());
        Assert.Equal(operation.OutcomeDesc, auditEvent.TryGetProperty("outcomeDesc", out var desc) ? desc.GetString() : null);
        Assert.Equal(operation.PatientChain ? world.PatientId : AuditChains.System, entry.Chain);
        Assert.True((await factory.Store.VerifyAsync(entry.Chain, default)).Intact);

        // Nothing personal in the event: no nickname, no cookie, no challenge; the patient appears only as a reference.
        Assert.DoesNotContain("Quintessa", entry.EventJson, StringComparison.Ordinal);
        Assert.DoesNotContain("__identityconsent", entry.EventJson, StringComparison.Ordinal);
    }

    private sealed record Operation(
        Func<World, Task> Arrange,
        Func<World, Task<HttpResponseMessage>> Act,
        HttpStatusCode Status, string Type, string Subtype, string Action, string Outcome, string? OutcomeDesc, bool PatientChain);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private sealed class World(AuditReaderFactory factory) : IDisposable
    {
        public AuditReaderFactory Factory { get; } = factory;
        public PatientClient Client { get; } = PatientClient.For(factory);
        public SoftwareAuthenticator Phone { get; } = new(factory.Origin);
        public SoftwareAuthenticator Laptop { get; } = new(factory.Origin);
        public Guid PatientId => Guid.TryParse(Phone.UserHandle, out var id) ? id : Guid.Empty;

        public async Task RegisterAsync()
        {
            using var response = await Client.RegisterAsync(Phone);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        /// <summary>Registers <see cref="Phone"/> to a first patient from another browser, so this world tries to take it.</summary>
        public async Task RegisterOtherAsync() => await RegisterAsync();

        public async Task<HttpResponseMessage> AddLaptopAsync()
        {
            var options = await Client.OptionsAsync("/api/passkeys/options");
            Laptop.UserHandleFrom(Phone);
            return await Client.PostJsonAsync("/api/passkeys", Laptop.Create(options));
        }

        public void Dispose()
        {
            Client.Dispose();
            Phone.Dispose();
            Laptop.Dispose();
        }
    }
}

internal static class PatientClientAuditExtensions
{
    public static PatientClient WithOrigin(this PatientClient client)
    {
        client.Http.DefaultRequestHeaders.Add("Origin", client.Origin);
        return client;
    }

    public static async Task<HttpResponseMessage> RegisterWithNicknameAsync(this PatientClient client, SoftwareAuthenticator authenticator) =>
        await client.PostJsonAsync("/api/passkeys/register",
            authenticator.Create(await client.OptionsAsync("/api/passkeys/register/options", new { nickname = "Alice Quintessa Example" })));
}
