using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>Discovery entries OpenIddict has no option for: supported <c>acr</c> values and identity assurance (OIDC4IDA §8).</summary>
public sealed class DiscoveryMetadata : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<DiscoveryMetadata>()
            .SetOrder(int.MaxValue - 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["acr_values_supported"] = new OpenIddictParameter([.. AssuranceLevels.Supported]);
        context.SubjectTypes.Add(OpenIddictConstants.SubjectTypes.Pairwise);
        context.Metadata["verified_claims_supported"] = new OpenIddictParameter(true);
        context.Metadata["trust_frameworks_supported"] = new OpenIddictParameter([VerifiedClaims.TrustFramework]);
        context.Metadata["evidence_supported"] = new OpenIddictParameter(["document"]);
        context.Metadata["documents_supported"] = new OpenIddictParameter(["driving_permit"]);
        context.Metadata["claims_in_verified_claims_supported"] = new OpenIddictParameter([.. VerifiedClaims.Available]);
        return ValueTask.CompletedTask;
    }
}
