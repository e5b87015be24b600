using Identity.Api.Enrollment.DemoWallet;
using Identity.Grains.Mdoc;
using Identity.Grains.Patients;
using Identity.Silo;
using Microsoft.Extensions.Options;

namespace Identity.Api.Enrollment;

public static class EnrollmentHostingExtensions
{
    /// <summary>
    /// mDL enrolment: the verifier and its trust list, the document index key, the personal-data key the patient grains
    /// seal verified identities with, the nonce ledger (Redis with <c>ConnectionStrings:Redis</c>, memory otherwise)
    /// and, in Development only, the demo issuing authority and wallet.
    /// </summary>
    public static IHostApplicationBuilder AddEnrollment(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(EnrollmentSettings.Section);
        var settings = section.Get<EnrollmentSettings>() ?? new EnrollmentSettings();
        services.Configure<EnrollmentSettings>(section);
        var environment = builder.Environment;
        var dataFolder = DataFolder(builder.Configuration, environment.ContentRootPath);

        var piiKey = EnrollmentSecrets.Load(settings.PiiKey, "Enrollment:PiiKey", 32, environment, dataFolder, EnrollmentSecrets.PiiKeyFileName);
        var previous = settings.PreviousPiiKeys.Where(k => !string.IsNullOrWhiteSpace(k))
            .Select(k => EnrollmentSecrets.Decode(k, "Enrollment:PreviousPiiKeys", 32)).ToList();
        services.AddSingleton<IPersonalDataProtector>(new AesGcmPersonalDataProtector(piiKey[..32], previous.Select(k => k[..32])));
        services.AddSingleton(new DocumentKey(EnrollmentSecrets.Load(settings.DocumentIndexKey, "Enrollment:DocumentIndexKey", 32,
            environment, dataFolder, EnrollmentSecrets.DocumentIndexKeyFileName)));

        var hosts = builder.Configuration.GetSection("Passkeys:Origins").Get<string[]>() ?? [];
        if (VerifierCertificate.Load(settings, environment, dataFolder,
            hosts.Select(o => Uri.TryCreate(o, UriKind.Absolute, out var uri) ? uri.IdnHost : "")) is { } verifier)
        {
            services.AddSingleton(verifier);
        }

        var demo = IsDemoEnabled(environment, settings);
        if (demo)
        {
            services.AddSingleton(sp => DemoIssuingAuthority.LoadOrCreate(dataFolder, sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<DemoWalletResponder>();
        }
        services.AddSingleton(sp =>
        {
            var trust = TrustList(settings, environment.ContentRootPath, sp.GetRequiredService<TimeProvider>());
            if (demo)
            {
                trust = trust.With(IacaTrustList.FromCertificates([sp.GetRequiredService<DemoIssuingAuthority>().Iaca], "demo IACA (Development only)"));
            }
            return new MdocVerifier(trust);
        });

        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            services.AddSingleton<IEnrollmentNonceLedger, InMemoryEnrollmentNonceLedger>();
        }
        else
        {
            services.AddSingleton<IEnrollmentNonceLedger, RedisEnrollmentNonceLedger>();
        }
        services.AddSingleton<EnrollmentEvents>();
        services.AddSingleton<MdlEnrollment>();
        return builder;
    }

    /// <summary>The demo wallet and its IACA exist only in Development, whatever the configuration says.</summary>
    public static bool IsDemoEnabled(IHostEnvironment environment, EnrollmentSettings settings) =>
        environment.IsDevelopment() && settings.DemoWallet;

    public static bool IsDemoEnabled(this IServiceProvider services) =>
        IsDemoEnabled(services.GetRequiredService<IHostEnvironment>(), services.GetRequiredService<IOptions<EnrollmentSettings>>().Value);

    private static IacaTrustList TrustList(EnrollmentSettings settings, string contentRoot, TimeProvider time)
    {
        var trust = IacaTrustList.Empty;
        if (!string.IsNullOrWhiteSpace(settings.TrustFolder))
        {
            trust = trust.With(IacaTrustList.FromFolder(Path.GetFullPath(settings.TrustFolder, contentRoot)));
        }
        if (!string.IsNullOrWhiteSpace(settings.VicalFile))
        {
            if (string.IsNullOrWhiteSpace(settings.VicalSigner))
            {
                throw new InvalidOperationException("Enrollment:VicalFile needs Enrollment:VicalSigner (the certificate the VICAL is checked against).");
            }
            var signerPath = Path.GetFullPath(settings.VicalSigner, contentRoot);
            using var signer = File.ReadAllText(signerPath).Contains("-----BEGIN", StringComparison.Ordinal)
                ? System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(signerPath))
                : System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(signerPath);
            trust = trust.With(Vical.Import(File.ReadAllBytes(Path.GetFullPath(settings.VicalFile, contentRoot)), signer, time.GetUtcNow()).ToTrustList());
        }
        return trust;
    }

    // Beside the grain database in embedded mode (as the token service keeps its Development keys), data/ in a cluster.
    private static string DataFolder(IConfiguration configuration, string contentRoot)
    {
        var mode = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>()?.Mode ?? SiloMode.Embedded;
        var database = SiloDatabase.FromConfiguration(configuration, mode, contentRoot);
        return mode == SiloMode.Embedded && database.SqliteFile is { } file
            ? Path.GetDirectoryName(file)!
            : Path.Combine(contentRoot, "data");
    }
}
