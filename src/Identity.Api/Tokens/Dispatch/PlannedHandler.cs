using System.Collections.Immutable;

namespace Identity.Api.Tokens.Dispatch;

/// <summary>
/// One OpenIddict event handler ready to run: the services its descriptor names, with those DI holds as singletons
/// resolved once (<see cref="Handler"/>, <see cref="Filters"/>); a null slot is resolved from the request's scope.
/// </summary>
public sealed record PlannedHandler(Type HandlerType, object? Handler, ImmutableArray<Type> FilterTypes, ImmutableArray<object?> Filters);
