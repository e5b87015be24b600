namespace Identity.Api.SharedState;

/// <summary>Redis, which holds state every API instance must agree on, could not be reached; the operation was not done.</summary>
public sealed class SharedStateUnavailableException(string message, Exception inner) : Exception(message, inner);
