using Identity.Api.Enrollment;
using Identity.Api.Enrollment.DemoWallet;
using Identity.Api.Hosting;

namespace Identity.Api.Apis;

/// <summary>
/// Development only: a wallet in a web page, holding an mDL from the demo issuing authority, so that enrolment can be
/// tried with nothing but a browser. Outside Development (or with <c>Enrollment:DemoWallet</c> false) every route
/// answers 404 <c>demo_wallet_disabled</c> and the demo IACA is not trusted.
/// </summary>
public static class DemoWalletApi
{
    public static IEndpointRouteBuilder MapDemoWallet(this IEndpointRouteBuilder app)
    {
        var demo = app.MapGroup("/demo/wallet")
            .WithTags("Demo wallet (Development only)")
            .AddEndpointFilter(async (context, next) => context.HttpContext.RequestServices.IsDemoEnabled()
                ? await next(context)
                : Problems.NotFound("demo_wallet_disabled", "The demo wallet exists only in Development."));
        demo.MapGet("/", (IWebHostEnvironment environment) => Results.File(
            Path.Combine(environment.WebRootPath, "demo", "wallet.html"), "text/html; charset=utf-8")).ExcludeFromDescription();
        demo.MapPost("/presentations", Present)
            .AddEndpointFilter<SameOriginFilter>()
            .WithSummary("Answers a request object (as fetched from request_uri) with the demo mDL: the form to post to response_uri.");
        return app;
    }

    private static async Task<IResult> Present(HttpRequest request, IServiceProvider services)
    {
        var (body, problem) = await RequestBody.ReadAsync<DemoPresentationRequest>(request);
        if (problem is not null)
        {
            return problem;
        }
        var holder = body!.Holder ?? new DemoHolder();
        if (string.IsNullOrEmpty(body.Request) || !holder.IsValid)
        {
            return Problems.BadRequest("demo_request_invalid", "Give the request object and a holder with a name and document number (1 to 64 characters).");
        }
        try
        {
            return TypedResults.Ok(services.GetRequiredService<DemoWalletResponder>().Answer(body.Request, holder));
        }
        catch (DemoWalletException e)
        {
            return Problems.BadRequest("demo_request_invalid", "The demo wallet cannot answer this request.", e.Message);
        }
    }

    /// <summary>The request object (JWT text from request_uri) and, optionally, who the demo licence is issued to.</summary>
    public sealed record DemoPresentationRequest(string? Request, DemoHolder? Holder);
}
