namespace Identity.Grains.Consent;

/// <summary>A consent version the projection found, and the patient grain that holds it (and has the final word on it).</summary>
[GenerateSerializer, Immutable]
public sealed record ConsentProjectionHit(
    [property: Id(0)] string ConsentId,
    [property: Id(1)] Guid Patient,
    [property: Id(2)] int VersionId);
