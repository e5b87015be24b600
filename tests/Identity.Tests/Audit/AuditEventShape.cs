using Hl7.Fhir.Model;

namespace Identity.Tests.Audit;

/// <summary>The profile-level shape of an AuditEvent: type, subtypes, action, agent type codes and entity (type, role) codes.</summary>
internal sealed record AuditEventShape(string Type, string Subtypes, string Action, string AgentTypes, string EntityRoles)
{
    public static AuditEventShape Of(AuditEvent e) => new(
        $"{e.Type.System}|{e.Type.Code}",
        string.Join(",", e.Subtype.Select(s => $"{s.System}|{s.Code}")),
        e.Action?.ToString() ?? "",
        string.Join(",", e.Agent.Select(a => string.Join("+", a.Type?.Coding.Select(c => $"{c.System}|{c.Code}") ?? []))),
        string.Join(",", e.Entity.Select(x => $"{x.Type?.Code}/{x.Role?.Code}")));
}
