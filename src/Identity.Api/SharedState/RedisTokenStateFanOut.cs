using Identity.Api.Tokens;
using StackExchange.Redis;

namespace Identity.Api.SharedState;

/// <summary>
/// Cluster mode: token state changes travel over a Redis pub/sub channel to every API instance's <see cref="TokenStateCache"/>.
/// Pub/sub delivers at most once, so while this instance's subscription is down its cache is suspended (every check reads
/// the store) and it is emptied again when the subscription returns; a change published by an instance that cannot reach
/// Redis is still honoured everywhere once <see cref="TokenSettings.ValidityCacheMilliseconds"/> has passed.
/// </summary>
public sealed partial class RedisTokenStateFanOut(IConnectionMultiplexer redis, TokenStateCache cache, ILogger<RedisTokenStateFanOut> logger)
    : ITokenStateFanOut, IHostedService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("identityconsent:token-state");

    public void Publish(TokenStateChange change)
    {
        cache.Forget(change);
        try
        {
            redis.GetSubscriber().Publish(Channel, change.ToMessage(), CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogPublishFailed(e.GetType().Name);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        cache.Suspend(!redis.IsConnected);
        try
        {
            await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => cache.Forget(TokenStateChange.FromMessage(message)));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The multiplexer subscribes again by itself once Redis is reachable; until then the cache stays suspended.
            cache.Suspend(true);
            LogSubscribeFailed(e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        return Task.CompletedTask;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            cache.Suspend(true);
            LogSuspended();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            cache.Suspend(false);
            LogResumed();
        }
    }

    [LoggerMessage(4101, LogLevel.Warning, "Could not publish a token state change to Redis ({Error}); other instances see it when their cached validity lapses")]
    private partial void LogPublishFailed(string error);

    [LoggerMessage(4102, LogLevel.Warning, "Could not subscribe to token state changes ({Error}); validity cache suspended until Redis returns")]
    private partial void LogSubscribeFailed(string error);

    [LoggerMessage(4103, LogLevel.Warning, "Redis subscription lost; token validity cache suspended")]
    private partial void LogSuspended();

    [LoggerMessage(4104, LogLevel.Information, "Redis subscription restored; token validity cache resumed")]
    private partial void LogResumed();
}
