using Identity.Api.Apis;

namespace Identity.Api.Hosting;

public static class AuthenticationRateLimit
{
    /// <summary>Registration, sign-in and enrolment attempts per client address: on this instance, and across instances in cluster mode.</summary>
    public static TBuilder RequireAuthenticationRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(PasskeyApi.AuthenticationRateLimit).AddEndpointFilter<TBuilder, SharedRateLimitFilter>();
}
