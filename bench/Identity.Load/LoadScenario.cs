using System.Diagnostics;

namespace Identity.Load;

/// <summary>
/// One kind of request, driven either at a fixed rate (open loop: requests leave on schedule whatever the server does, so
/// a stalled server cannot slow the sender down and hide its own delay) or as fast as a fixed number of concurrent clients
/// can go. At a fixed rate latency is counted from the moment each request actually left; how late the sender itself was
/// against the schedule (timer granularity on a busy 2-core machine) is reported apart, as "sender late p99".
/// </summary>
internal sealed class LoadScenario(string name, HttpClient http, Func<HttpRequestMessage> request)
{
    public string Name { get; } = name;

    /// <summary>Sends one request and throws unless it succeeds; to check a scenario before timing it.</summary>
    public async Task<string> ProbeAsync()
    {
        using var response = await http.SendAsync(request());
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"{Name}: {(int)response.StatusCode} {body}");
    }

    public async Task<LoadResult> RunAtRateAsync(int perSecond, TimeSpan duration)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var latencies = new long[total];
        var lateness = new long[total];
        var failures = 0L;
        var pending = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = (double)Stopwatch.Frequency / perSecond;
        // The schedule is kept by a thread of its own sleeping 1 ms at a time: a Task.Delay continuation waits for the busy
        // thread pool, which sent requests in bursts of several (each burst queueing at the service) 4-6 ms late at p99.
        var sender = new Thread(() =>
        {
            var sent = 0;
            while (sent < total)
            {
                var due = Math.Min(total, (int)((Stopwatch.GetTimestamp() - start) / ticksPerRequest) + 1);
                for (; sent < due; sent++)
                {
                    var index = sent;
                    var sentAt = Stopwatch.GetTimestamp();
                    lateness[index] = sentAt - (start + (long)(index * ticksPerRequest));
                    pending.Add(SendTimedAsync(index, sentAt));
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "fixed-rate sender", Priority = ThreadPriority.AboveNormal };
        sender.Start();
        await Task.Run(sender.Join);
        await Task.WhenAll(pending);
        return LoadResult.From(Name, $"{perSecond}/s", latencies, failures, Stopwatch.GetElapsedTime(start)) with
        {
            SenderLateP99Ms = LoadResult.PercentileMs([.. lateness.Order()], 0.99),
        };

        async Task SendTimedAsync(int index, long sentAt)
        {
            if (!await SendAsync())
            {
                Interlocked.Increment(ref failures);
            }
            latencies[index] = Stopwatch.GetTimestamp() - sentAt;
        }
    }


    public async Task<LoadResult> RunAtMaxAsync(int concurrency, TimeSpan duration)
    {
        var perWorker = new List<long>[concurrency];
        var failures = 0L;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = perWorker[worker] = new List<long>(1 << 16);
            while (Stopwatch.GetTimestamp() < end)
            {
                var sentAt = Stopwatch.GetTimestamp();
                if (!await SendAsync())
                {
                    Interlocked.Increment(ref failures);
                }
                mine.Add(Stopwatch.GetTimestamp() - sentAt);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        return LoadResult.From(Name, $"max ({concurrency} conns)", perWorker.SelectMany(l => l).ToArray(), failures, elapsed);
    }

    private async Task<bool> SendAsync()
    {
        try
        {
            using var response = await http.SendAsync(request(), HttpCompletionOption.ResponseContentRead);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
