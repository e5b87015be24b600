using Identity.Api.Passkeys;
using Microsoft.Extensions.Options;

namespace Identity.Api.Hosting;

/// <summary>
/// Refuses state-changing API calls that a browser marks as coming from another site (CSRF defence for the
/// cookie-authenticated JSON APIs, on top of SameSite cookies and the JSON content type).
/// </summary>
public sealed class SameOriginFilter(IOptions<PasskeySettings> settings) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return next(context);
        }
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site")
        {
            return ValueTask.FromResult<object?>(Refused());
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !settings.Value.IsAllowedOrigin(origin, request))
        {
            return ValueTask.FromResult<object?>(Refused());
        }
        return next(context);
    }

    private static IResult Refused() => Problems.Create(StatusCodes.Status403Forbidden, "cross_origin_request",
        "Requests from other sites are not accepted here.");
}
