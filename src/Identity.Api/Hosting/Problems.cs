namespace Identity.Api.Hosting;

/// <summary>RFC 9457 problem responses with a stable machine-readable <c>code</c> for every distinct failure.</summary>
public static class Problems
{
    public static IResult Create(int status, string code, string title, string? detail = null, TimeSpan? retryAfter = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        var problem = TypedResults.Problem(
            detail: detail,
            statusCode: status,
            title: title,
            type: $"urn:identityconsent:problem:{code}",
            extensions: extensions);
        return retryAfter is { } wait ? new WithRetryAfter(problem, wait) : problem;
    }

    public static IResult BadRequest(string code, string title, string? detail = null) =>
        Create(StatusCodes.Status400BadRequest, code, title, detail);

    public static IResult Conflict(string code, string title, string? detail = null) =>
        Create(StatusCodes.Status409Conflict, code, title, detail);

    public static IResult NotFound(string code, string title) => Create(StatusCodes.Status404NotFound, code, title);

    /// <summary>429 of the authentication rate limit, per instance or across instances alike.</summary>
    public static IResult RateLimited(TimeSpan wait) =>
        Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many attempts; wait before trying again.", retryAfter: wait);

    private sealed class WithRetryAfter(IResult inner, TimeSpan wait) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
