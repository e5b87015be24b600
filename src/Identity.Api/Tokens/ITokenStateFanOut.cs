namespace Identity.Api.Tokens;

/// <summary>Tells this instance's <see cref="TokenStateCache"/> and every other instance's about a committed change.</summary>
public interface ITokenStateFanOut
{
    void Publish(TokenStateChange change);

    /// <summary>Runs a store change and publishes <paramref name="what"/> after it, also after a failure: part of it may have committed.</summary>
    async ValueTask<T> PublishAfterAsync<T>(ValueTask<T> change, TokenStateChange what)
    {
        try
        {
            return await change;
        }
        finally
        {
            Publish(what);
        }
    }

    async ValueTask PublishAfterAsync(ValueTask change, TokenStateChange what)
    {
        try
        {
            await change;
        }
        finally
        {
            Publish(what);
        }
    }
}

/// <summary>One instance (embedded mode): only the local cache needs telling.</summary>
public sealed class LocalTokenStateFanOut(TokenStateCache cache) : ITokenStateFanOut
{
    public void Publish(TokenStateChange change) => cache.Forget(change);
}
