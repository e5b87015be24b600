using Identity.Api.Audit;
using Identity.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Enrollment;

/// <summary>The service in Development with the test wallet's IACA as its only configured trust anchor (plus the demo IACA).</summary>
public sealed class EnrollmentApiFactory : IdentityApiFactory
{
    public EnrollmentApiFactory(TestWallet wallet)
    {
        var trust = Directory.CreateDirectory(Path.Combine(DataDirectory, "trust")).FullName;
        File.WriteAllText(Path.Combine(trust, "test-iaca.pem"), wallet.Iaca.ExportCertificatePem());
        Settings["Enrollment:TrustFolder"] = trust;
    }

    public RecordingAuditTrail Audit { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IAuditTrail>(sp =>
            Audit = new RecordingAuditTrail(ActivatorUtilities.CreateInstance<AuditTrail>(sp))));
    }
}
