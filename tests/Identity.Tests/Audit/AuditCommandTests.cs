using Identity.Api.Audit;
using Identity.Api.Commands;
using Identity.Grains.Audit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Identity.Tests.Audit;

/// <summary><c>audit verify</c> and <c>audit purge</c> as an operator runs them.</summary>
public sealed class AuditCommandTests
{
    [Fact]
    public async Task Audit_verify_proves_the_chains_then_names_the_first_broken_entry()
    {
        await using var target = await AuditStoreTarget.CreateAsync("sqlite");
        var patient = Guid.NewGuid();
        for (var i = 0; i < 3; i++)
        {
            var at = DateTimeOffset.UtcNow;
            await target.Store.AppendAsync(AuditEventJson.Serialize(BalpAuditEvents.SignIn(new AuditContext("test", null, at), patient, [(byte)i])), at, default);
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:AuditSqlite"] = target.Database.OwnerConnectionString,
        }).Build();

        var ok = new StringWriter();
        Assert.Equal(0, await Run(["audit", "verify"], configuration, ok));
        Assert.Contains($"Patient/{patient:D}: intact, entries 1..3 (3)", ok.ToString(), StringComparison.Ordinal);

        await target.TamperAsync($"DELETE FROM audit_entries WHERE chain = '{patient:D}' AND sequence = 2;");
        var broken = new StringWriter();
        Assert.Equal(1, await Run(["audit", "verify", "--patient", patient.ToString("D")], configuration, broken));
        Assert.Contains("BROKEN at entry 2 (Missing)", broken.ToString(), StringComparison.Ordinal);

        var refused = new StringWriter();
        Assert.Equal(2, await Run(["audit", "purge", "--before", DateTimeOffset.UtcNow.AddYears(-1).ToString("yyyy-MM-dd")], configuration, refused));
        Assert.Contains("inside the retention period", refused.ToString(), StringComparison.Ordinal);
    }

    private static Task<int> Run(string[] args, IConfiguration configuration, StringWriter output)
    {
        var command = OperatorCommands.All.Single(c => c.Verbs.SequenceEqual(args.Take(2)));
        return command.RunAsync([.. args.Skip(2)], configuration, output, CancellationToken.None);
    }

    [Fact]
    public void Both_audit_commands_are_registered()
    {
        Assert.Contains(OperatorCommands.All, c => c is AuditVerifyCommand);
        Assert.Contains(OperatorCommands.All, c => c is AuditPurgeCommand);
        _ = NullLogger.Instance;
    }
}
