using System.Threading.RateLimiting;
using Identity.Api.Apis;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;

namespace Identity.Api.Hosting;

/// <summary>What running the service needs besides its features: errors, limits, health, telemetry, API description.</summary>
public static class OperationsHostingExtensions
{
    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddExceptionHandler<ClusterUnavailableHandler>();
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        // Loopback proxies are trusted by default; configured ones (an ingress) are added to them.
        var (proxyNetworks, proxies) = ForwardedHeadersSettings.From(builder.Configuration).Parse();
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var network in proxyNetworks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }
            foreach (var proxy in proxies)
            {
                forwarded.KnownProxies.Add(proxy);
            }
        });

        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.AddJsonConsole(json => json.IncludeScopes = false);
        }

        var limits = builder.Configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>() ?? new RateLimitSettings();
        services.AddSingleton(limits);
        services.AddRateLimiter(rateLimiter =>
        {
            rateLimiter.AddPolicy(PasskeyApi.AuthenticationRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.PermitLimit,
                    Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                    QueueLimit = 0,
                }));
            rateLimiter.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? retryAfter
                    : TimeSpan.FromSeconds(limits.WindowSeconds);
                return new ValueTask(Problems.RateLimited(wait).ExecuteAsync(context.HttpContext));
            };
        });

        services.AddHealthChecks()
            .AddCheck<GrainStorageHealthCheck>("grain-storage", tags: ["ready"]);

        services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Microsoft.Orleans", "Microsoft.AspNetCore.Identity"));
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry().UseOtlpExporter();
        }

        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "IdentityConsent API";
            document.Info.Description = "Passkey (AAL2) sign-in and patient account APIs of IdentityConsent.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication UseOperations(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference("/api-reference");
        }
        return app;
    }
}
