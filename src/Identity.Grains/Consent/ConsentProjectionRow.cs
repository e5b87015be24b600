namespace Identity.Grains.Consent;

/// <summary>The current version of one Consent as the query projection holds it: whose it is, which version, and its search values.</summary>
public sealed record ConsentProjectionRow(string ConsentId, Guid Patient, int VersionId, DateTimeOffset LastUpdated, ConsentSearchValues Values)
{
    public static ConsentProjectionRow From(Guid patient, ConsentVersion version, Hl7.Fhir.Model.Consent consent) =>
        new(version.ConsentId, patient, version.VersionId, version.RecordedAt, ConsentSearchValues.Of(consent));

    public static ConsentProjectionRow From(Guid patient, ConsentVersion version) =>
        From(patient, version, ConsentResourceReader.Read(version.Json).Consent!);
}
