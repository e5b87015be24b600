namespace Identity.Grains.Consent;

/// <summary>
/// One stored version of a Consent: the validated FHIR JSON exactly as served (id, meta.versionId and meta.lastUpdated
/// set), when and by whom it was written, its status, and the OpenIddict authorization it stands for when it records
/// an OAuth grant. Versions are never changed or removed; a withdrawal is a new version with status inactive.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsentVersion
{
    [Id(0)] public required string ConsentId { get; init; }

    [Id(1)] public required int VersionId { get; init; }

    [Id(2)] public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>Who wrote it: <c>Patient/{id}</c> or a client as <c>urn:identityconsent:client|{client_id}</c>.</summary>
    [Id(3)] public required string ChangedBy { get; init; }

    [Id(4)] public required string Status { get; init; }

    [Id(5)] public required string Json { get; init; }

    [Id(6)] public string? AuthorizationId { get; init; }

    public string ETag => $"W/\"{VersionId}\"";
}
