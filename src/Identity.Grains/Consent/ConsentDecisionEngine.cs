using System.Collections.Immutable;

namespace Identity.Grains.Consent;

/// <summary>
/// Decides a request against a patient's consents (PROFILES.md "Consent"; rule in shared/vectors/fhir/README.md):
/// only active consents of the request's patient count; a provision matches when every criterion it states matches;
/// nested provisions are exceptions that replace their parent's result when one matches, and among matching siblings
/// deny wins; a consent whose root does not match (expired, not yet in force, another actor…) does not apply; across
/// the consents that apply any deny denies, else any permit permits, else there is no consent. Pure: no clock, no I/O.
/// </summary>
public static class ConsentDecisionEngine
{
    private static readonly ConsentObligation NoRedisclosure =
        new(ConsentCodes.ActCode, "NORDSCLCD", "no redisclosure without consent directive");

    private static readonly ConsentObligation AuditTrail =
        new(ConsentCodes.ActCode, "AUDTR", "audit trail: break-the-glass access is recorded with its reason");

    public static ConsentDecision Decide(IEnumerable<ConsentRule> consents, ConsentDecisionRequest request)
    {
        var permits = ImmutableArray.CreateBuilder<DecidingProvision>();
        var denies = ImmutableArray.CreateBuilder<DecidingProvision>();
        foreach (var consent in consents)
        {
            if (!consent.IsActive || consent.Patient != request.Patient || consent.Root is null)
            {
                continue;
            }
            if (Evaluate(consent.Root, request) is { } result)
            {
                var target = result.Type == ConsentOutcome.Deny ? denies : permits;
                target.AddRange(result.Deciders.Select(p => new DecidingProvision(consent.ConsentId, consent.VersionId, p.Path, result.Type)));
            }
        }
        if (denies.Count > 0)
        {
            return new ConsentDecision(ConsentOutcome.Deny, denies.ToImmutable(), []);
        }
        return permits.Count > 0
            ? new ConsentDecision(ConsentOutcome.Permit, permits.ToImmutable(), Obligations(request))
            : ConsentDecision.NoConsent;
    }

    /// <summary>The result of a provision that matches, or null when it does not match or matches without deciding.</summary>
    private static (ConsentOutcome Type, List<ConsentProvisionRule> Deciders)? Evaluate(ConsentProvisionRule provision, ConsentDecisionRequest request)
    {
        if (!Matches(provision, request))
        {
            return null;
        }
        List<ConsentProvisionRule>? permits = null;
        List<ConsentProvisionRule>? denies = null;
        foreach (var exception in provision.Exceptions)
        {
            if (Evaluate(exception, request) is { } result)
            {
                var target = result.Type == ConsentOutcome.Deny ? denies ??= [] : permits ??= [];
                target.AddRange(result.Deciders);
            }
        }
        if (denies is not null)
        {
            return (ConsentOutcome.Deny, denies);
        }
        if (permits is not null)
        {
            return (ConsentOutcome.Permit, permits);
        }
        return provision.Type is { } type ? (type, [provision]) : null;
    }

    private static bool Matches(ConsentProvisionRule provision, ConsentDecisionRequest request)
    {
        if (provision.HasUnevaluableCriteria)
        {
            return false;
        }
        if (provision.Period is { } period && !period.Contains(request.Time))
        {
            return false;
        }
        if (!provision.Actors.IsEmpty && !provision.Actors.Any(request.Actors.Contains))
        {
            return false;
        }
        if (!provision.Purposes.IsEmpty && !provision.Purposes.Contains(request.PurposeOfUse))
        {
            return false;
        }
        if (!provision.Actions.IsEmpty && !provision.Actions.Contains(request.Action))
        {
            return false;
        }
        if (!provision.SecurityLabels.IsEmpty && !provision.SecurityLabels.Any(request.SecurityLabels.Contains))
        {
            return false;
        }
        return provision.Classes.IsEmpty || provision.Classes.Any(c => request.DataClasses.Any(r => ClassMatches(c, r)));
    }

    private static bool ClassMatches(string provisionClass, string requested) =>
        requested.Contains('|', StringComparison.Ordinal)
            ? provisionClass == requested
            : provisionClass.EndsWith($"|{requested}", StringComparison.Ordinal);

    private static ImmutableArray<ConsentObligation> Obligations(ConsentDecisionRequest request)
    {
        var obligations = ImmutableArray.CreateBuilder<ConsentObligation>();
        if (request.SecurityLabels.Any(ConsentCodes.RedisclosureRestricted.Contains))
        {
            obligations.Add(NoRedisclosure);
        }
        if (request.PurposeOfUse == ConsentCodes.BreakTheGlass)
        {
            obligations.Add(AuditTrail);
        }
        return obligations.ToImmutable();
    }
}
