using System.Net;
using System.Text;
using System.Web;
using Identity.Tests.Infrastructure;

namespace Identity.Tests.Tokens;

/// <summary>
/// A native app's loopback redirect (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 and a free port that receives the
/// authorization response at <c>/callback</c> and answers the browser with a short page.
/// </summary>
public sealed class LoopbackCallback : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly TaskCompletionSource<Dictionary<string, string>> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LoopbackCallback()
    {
        var port = IdentityApiFactory.FreeTcpPort();
        RedirectUri = $"http://127.0.0.1:{port}/callback";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = ListenAsync();
    }

    public string RedirectUri { get; }

    /// <summary>The query of the first request to <c>/callback</c> (code and state, or error).</summary>
    public Task<Dictionary<string, string>> ResponseAsync(TimeSpan timeout) => _response.Task.WaitAsync(timeout);

    private async Task ListenAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception stopped) when (stopped is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            var isCallback = context.Request.Url!.AbsolutePath == "/callback";
            if (isCallback)
            {
                var query = HttpUtility.ParseQueryString(context.Request.Url.Query);
                _response.TrySetResult(query.AllKeys.ToDictionary(k => k!, k => query[k]!));
            }
            context.Response.StatusCode = isCallback ? 200 : 404;
            context.Response.ContentType = "text/plain; charset=utf-8";
            var body = Encoding.UTF8.GetBytes(isCallback ? "Signed in. You can close this window." : "Not found.");
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
