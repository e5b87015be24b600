using System.Collections.Immutable;
using Hl7.Fhir.Model;

namespace Identity.Grains.Consent;

/// <summary>
/// The parts of one FHIR R4 Consent version the decision engine needs, read once from the resource so deciding is
/// a walk over small immutable records.
/// </summary>
public sealed record ConsentRule(string ConsentId, int VersionId, Hl7.Fhir.Model.Consent.ConsentState? Status, string? Patient, ConsentProvisionRule? Root)
{
    public bool IsActive => Status == Hl7.Fhir.Model.Consent.ConsentState.Active;

    public static ConsentRule From(Hl7.Fhir.Model.Consent consent, int versionId) =>
        new(consent.Id ?? "", versionId, consent.Status, consent.Patient?.Reference,
            consent.Provision is { } root ? Provision(root, "Consent.provision") : null);

    private static ConsentProvisionRule Provision(Hl7.Fhir.Model.Consent.provisionComponent provision, string path) => new()
    {
        Path = path,
        Type = provision.Type switch
        {
            Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit => ConsentOutcome.Permit,
            Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny => ConsentOutcome.Deny,
            _ => null,
        },
        Actors = [.. provision.Actor.Select(a => ConsentCodes.Actor(a.Reference?.Reference, a.Reference?.Identifier?.System, a.Reference?.Identifier?.Value))
            .Where(a => a.Length > 0)],
        Purposes = [.. provision.Purpose.Where(p => p.System is null or ConsentCodes.ActReason && p.Code is not null).Select(p => p.Code!)],
        Actions = [.. provision.Action.SelectMany(a => a.Coding).Where(c => c.Code is not null).Select(c => c.Code!)],
        SecurityLabels = [.. provision.SecurityLabel.Where(c => c.Code is not null).Select(c => c.Code!)],
        Classes = [.. provision.Class.Where(c => c.Code is not null).Select(c => $"{c.System}|{c.Code}")],
        Period = provision.Period is { } period ? ConsentPeriod.From(period.Start, period.End) : null,
        HasUnevaluableCriteria = provision.Data.Count > 0 || provision.Code.Count > 0 || provision.DataPeriod is not null
            || provision.Actor.Count > 0 && provision.Actor.All(a => a.Reference?.Reference is null && a.Reference?.Identifier?.Value is null),
        Exceptions = [.. provision.Provision.Select((p, i) => Provision(p, $"{path}.provision[{i}]"))],
    };
}
