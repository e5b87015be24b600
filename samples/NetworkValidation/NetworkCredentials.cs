namespace NetworkValidation;

/// <summary>A network's registration at the token service: its confidential client and the resource it serves.</summary>
/// <param name="Resource">The RFC 8707 resource indicator the network is registered for: the only <c>aud</c> it accepts.</param>
public sealed record NetworkCredentials(string ClientId, string ClientSecret, string Resource);
