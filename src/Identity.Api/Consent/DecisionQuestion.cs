using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Identity.Grains.Consent;

namespace Identity.Api.Consent;

/// <summary>
/// A decision request as networks send it, to <c>POST /consent/decide</c> (flat JSON) or in a CDS Hooks
/// <c>patient-consent-consult</c> context (LEAP style: <c>patientId</c>, <c>actor</c> and <c>purposeOfUse</c> as arrays,
/// identifiers as <c>{system, value}</c>). Break-the-glass needs a reason, which is audited.
/// </summary>
public sealed record DecisionQuestion(Guid Patient, ConsentDecisionRequest Request, string? Reason)
{
    public static (DecisionQuestion? Question, string? Code, string? Error) FromDecideBody(JsonElement body, DateTimeOffset now) =>
        From(body, now,
            Strings(body, "patient"),
            Strings(body, "actor").Concat(Strings(body, "actors")),
            Strings(body, "purposeOfUse"));

    public static (DecisionQuestion? Question, string? Code, string? Error) FromHookContext(JsonElement context, DateTimeOffset now) =>
        From(context, now, Strings(context, "patientId"), Strings(context, "actor"), Strings(context, "purposeOfUse"));

    private static (DecisionQuestion?, string?, string?) From(JsonElement body, DateTimeOffset now, IEnumerable<string> patients,
        IEnumerable<string> actors, IEnumerable<string> purposes)
    {
        var patientValues = patients.ToList();
        var id = patientValues.Count == 1 ? patientValues[0].Split('|')[^1].Replace("Patient/", "", StringComparison.Ordinal) : "";
        if (!Guid.TryParseExact(id, "D", out var patient))
        {
            return (null, "invalid_patient", "Name exactly one patient: Patient/{hl7_person_identifier}.");
        }
        var actorList = actors.Where(a => a.Length > 0).Distinct().ToImmutableArray();
        if (actorList.IsEmpty)
        {
            return (null, "invalid_actor", "Name the requesting organization or client as actor (a reference, or an identifier as system|value).");
        }
        var purposeList = purposes.ToList();
        if (purposeList.Count != 1 || purposeList[0].Length == 0)
        {
            return (null, "invalid_purpose", "Give exactly one purposeOfUse (a v3-ActReason code such as TREAT, HPAYMT, HOPERAT, PATRQT, PUBHLTH, BTG).");
        }
        var purpose = purposeList[0].Split('|')[^1];
        var reason = Strings(body, "reason").FirstOrDefault();
        if (purpose == ConsentCodes.BreakTheGlass && string.IsNullOrWhiteSpace(reason))
        {
            return (null, "btg_reason_required", "Break-the-glass (BTG) requests must give a reason; it is recorded in the audit trail.");
        }
        var time = now;
        if (Strings(body, "time").FirstOrDefault() is { } text
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            return (null, "invalid_time", "time must be an ISO 8601 instant.");
        }
        return (new DecisionQuestion(patient, new ConsentDecisionRequest
        {
            Patient = $"Patient/{patient:D}",
            Actors = actorList,
            PurposeOfUse = purpose,
            Action = Strings(body, "action").FirstOrDefault() ?? ConsentCodes.Access,
            SecurityLabels = [.. Strings(body, "securityLabels").Concat(Strings(body, "securityLabel")).Select(l => l.Split('|')[^1])],
            DataClasses = [.. Strings(body, "dataClasses").Concat(Strings(body, "class"))],
            Time = time,
        }, reason), null, null);
    }

    /// <summary>A member as strings: a string, an array of strings, codings/identifiers (<c>system|value</c>) or references.</summary>
    private static IEnumerable<string> Strings(JsonElement body, string name)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(name, out var value))
        {
            return [];
        }
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(One).ToList() : [One(value)];
    }

    private static string One(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Object when value.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String => reference.GetString() ?? "",
        JsonValueKind.Object when value.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String =>
            value.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.String ? $"{s.GetString()}|{v.GetString()}" : v.GetString() ?? "",
        JsonValueKind.Object when value.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String => c.GetString() ?? "",
        JsonValueKind.Object when value.TryGetProperty("coding", out var codings) && codings.ValueKind == JsonValueKind.Array =>
            codings.EnumerateArray().Select(One).FirstOrDefault() ?? "",
        _ => "",
    };
}
