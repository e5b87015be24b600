using System.Text.Json;

namespace Identity.Grains.Audit;

/// <summary>
/// The searchable fields of an AuditEvent, as the audit table stores them next to the event. Lists are
/// kept as <c>\n</c>-separated values with a leading and trailing <c>\n</c>, so "contains <c>\nX\n</c>" is an exact match.
/// </summary>
public sealed record AuditEventIndex(
    string EventId,
    Guid Chain,
    string Type,
    string Subtype,
    string Action,
    string Outcome,
    string Agents,
    string EntityTypes,
    string Purposes)
{
    public const char Separator = '\n';

    private const string PatientRole = "1";
    private const string ObjectRoleSystem = "http://terminology.hl7.org/CodeSystem/object-role";

    /// <summary>Reads the fields from an AuditEvent's JSON; the chain is the entity in role Patient, else the system chain.</summary>
    public static AuditEventIndex Read(string eventJson)
    {
        try
        {
            using var document = JsonDocument.Parse(eventJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "resourceType") != "AuditEvent")
            {
                throw new FormatException("Not an AuditEvent.");
            }
            var agents = Array(root, "agent").ToArray();
            var entities = Array(root, "entity").ToArray();
            return new AuditEventIndex(
                Text(root, "id") ?? "",
                PatientOf(entities),
                Code(Object(root, "type")),
                List(Array(root, "subtype").Select(Code)),
                Text(root, "action") ?? "",
                Text(root, "outcome") ?? "",
                List(agents.Select(a => Who(Object(a, "who")))),
                List(entities.Select(e => Code(Object(e, "type")))),
                List(agents.SelectMany(a => Array(a, "purposeOfUse"))
                    .Concat(Array(root, "purposeOfEvent"))
                    .SelectMany(c => Array(c, "coding"))
                    .Select(Code)));
        }
        catch (JsonException e)
        {
            throw new FormatException("Not JSON.", e);
        }
    }

    /// <summary>The stored form of one value in a list column, for an exact "contains" search.</summary>
    public static string Item(string value) => $"{Separator}{value}{Separator}";

    /// <summary>How an agent's <c>who</c> is written in <see cref="Agents"/>: the reference, else <c>system|value</c> of the identifier.</summary>
    public static string Who(string? reference, string? identifierSystem, string? identifierValue) =>
        !string.IsNullOrEmpty(reference) ? reference
        : !string.IsNullOrEmpty(identifierValue) ? $"{identifierSystem}|{identifierValue}"
        : "";

    private static Guid PatientOf(IEnumerable<JsonElement> entities)
    {
        foreach (var entity in entities)
        {
            var role = Object(entity, "role");
            if (Text(role, "system") == ObjectRoleSystem && Text(role, "code") == PatientRole
                && Text(Object(entity, "what"), "reference") is { } reference
                && reference.StartsWith("Patient/", StringComparison.Ordinal)
                && Guid.TryParseExact(reference["Patient/".Length..], "D", out var patient))
            {
                return patient;
            }
        }
        return AuditChains.System;
    }

    private static string Who(JsonElement who) =>
        Who(Text(who, "reference"), Text(Object(who, "identifier"), "system"), Text(Object(who, "identifier"), "value"));

    private static string Code(JsonElement coding) => Text(coding, "code") ?? "";

    private static string List(IEnumerable<string> values)
    {
        var items = values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        return items.Length == 0 ? "" : Separator + string.Join(Separator, items) + Separator;
    }

    private static JsonElement Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : default;

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
