using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;

namespace Identity.Grains.Consent;

/// <summary>
/// Reads a FHIR R4 Consent from JSON, refusing anything else with a precise <see cref="ConsentReadFailure"/>
/// (shared/vectors/fhir/consent/invalid/manifest.json): size and depth limits before any FHIR parsing, the
/// resource type and R5 shapes named as such, Hl7.Fhir.R4 strict deserialization with XHTML narrative checks,
/// POCO validation, then what the SDK does not check: per-1, ppc-1 and a patient on every consent (ppc-2 intent).
/// </summary>
public static partial class ConsentResourceReader
{
    /// <summary>An R4 string may hold 1 MB; a Consent body is capped there too.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>System.Text.Json's default depth, which the SDK hits first: 32 nested provision levels.</summary>
    public const int MaxDepth = 64;

    private const int MaxMessageLength = 300;

    // Members of an R5 Consent that R4 does not have (R5 renamed patient→subject, dateTime→date, and so on).
    private static readonly string[] R5Members = ["subject", "date", "grantor", "grantee", "manager", "controller", "decision", "regulatoryBasis"];

    private static readonly FhirJsonDeserializer Deserializer =
        new(new DeserializerSettings().UsingMode(DeserializationMode.Strict, NarrativeValidationKind.FhirXhtml));

    private static readonly JsonSerializerOptions Serializer = new JsonSerializerOptions().ForFhir();

    public static (Hl7.Fhir.Model.Consent? Consent, ConsentReadFailure? Failure) Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    public static (Hl7.Fhir.Model.Consent? Consent, ConsentReadFailure? Failure) Read(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            return (null, new ConsentReadFailure(413, "too-long", $"A Consent may be at most {MaxBytes} bytes of JSON."));
        }
        if (Prescan(utf8) is { } shapeFailure)
        {
            return (null, shapeFailure);
        }
        Resource resource;
        try
        {
            resource = Deserializer.DeserializeResource(Encoding.UTF8.GetString(utf8));
        }
        catch (DeserializationFailedException e)
        {
            return (null, FromSdk(e));
        }
        catch (JsonException e)
        {
            return (null, new ConsentReadFailure(400, "structure", $"The body is not JSON: {Shorten(e.Message)}"));
        }
        if (resource is not Hl7.Fhir.Model.Consent consent)
        {
            return (null, new ConsentReadFailure(400, "invalid", $"Expected a Consent, got a {resource.TypeName}.", "resourceType"));
        }
        var issues = consent.Validate(NarrativeValidationKind.FhirXhtml, new FhirAttributeValidator()).ToList();
        if (issues.Count > 0)
        {
            return (null, new ConsentReadFailure(400, "invalid", Shorten(issues[0].Message ?? "The Consent is not valid FHIR R4.")));
        }
        return Invariants(consent) is { } failure ? (null, failure) : (consent, null);
    }

    public static string Serialize(Hl7.Fhir.Model.Consent consent) => JsonSerializer.Serialize(consent, Serializer);

    private static ConsentReadFailure? Prescan(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 4 * MaxDepth });
        string? resourceType = null;
        var r5 = new List<string>();
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth >= MaxDepth)
                {
                    return new ConsentReadFailure(400, "too-costly", $"The JSON nests deeper than {MaxDepth} levels (at most 32 provision levels).");
                }
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    if (name == "resourceType" && reader.TokenType == JsonTokenType.String)
                    {
                        resourceType = reader.GetString();
                    }
                    else if (R5Members.Contains(name) || name == "provision" && reader.TokenType == JsonTokenType.StartArray)
                    {
                        r5.Add(name);
                    }
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                    {
                        return new ConsentReadFailure(400, "too-costly", $"The JSON nests deeper than {MaxDepth} levels.");
                    }
                }
            }
        }
        catch (JsonException e)
        {
            return new ConsentReadFailure(400, "structure", $"The body is not JSON: {Shorten(e.Message)}");
        }
        if (resourceType is null)
        {
            return new ConsentReadFailure(400, "structure", "The body must be a JSON object with \"resourceType\": \"Consent\".");
        }
        if (resourceType != "Consent")
        {
            return ModelInfo.IsKnownResource(resourceType)
                ? new ConsentReadFailure(400, "invalid", $"Expected a Consent, got a {resourceType}.", "resourceType")
                : new ConsentReadFailure(400, "structure", $"'{Shorten(resourceType, 64)}' is not a FHIR R4 resource type; expected Consent.", "resourceType");
        }
        if (r5.Count > 0)
        {
            return new ConsentReadFailure(400, "structure",
                $"This looks like a FHIR R5 Consent ({string.Join(", ", r5.Distinct())}); this server speaks FHIR R4 4.0.1: use patient, dateTime, performer, organization, a single provision.",
                $"Consent.{r5[0]}");
        }
        return null;
    }

    private static ConsentReadFailure FromSdk(DeserializationFailedException e)
    {
        var errors = e.Exceptions.ToList();
        var first = errors.FirstOrDefault();
        var code = first switch
        {
            FhirJsonException json => json.ErrorCode,
            CodedValidationException coded => coded.ErrorCode,
            _ => null,
        };
        var issue = code switch
        {
            "PVAL105" => "required",
            "PVAL116" => "code-invalid",
            "PVAL124" => "value",
            "PVAL115" => "invariant",
            "JSON120" => "invariant",
            _ => "structure",
        };
        var message = code == "PVAL115"
            ? "The narrative (text.div) is not safe FHIR XHTML: scripts, event attributes and unknown elements are refused."
            : Shorten(first?.Message ?? e.Message);
        if (errors.Count > 1)
        {
            message += $" ({errors.Count - 1} more problem{(errors.Count > 2 ? "s" : "")})";
        }
        return new ConsentReadFailure(400, issue, message, Location().Match(first?.Message ?? "") is { Success: true } at ? at.Groups[1].Value : null);
    }

    private static ConsentReadFailure? Invariants(Hl7.Fhir.Model.Consent consent)
    {
        if (consent.Policy.Count == 0 && consent.PolicyRule is null)
        {
            return new ConsentReadFailure(422, "invariant", "ppc-1: a Consent needs policy or policyRule.", "Consent");
        }
        if (consent.Patient?.Reference is not { Length: > 0 })
        {
            var privacy = consent.Scope?.Coding.Any(c => c.Code == ConsentCodes.PatientPrivacy) == true;
            return new ConsentReadFailure(422, "business-rule",
                privacy ? "ppc-2: a privacy consent must name its patient (Consent.patient.reference)." : "Consent.patient.reference is required: consents are kept per patient.",
                "Consent.patient");
        }
        if (consent.Provision is { } root && PeriodProblem(root, "Consent.provision") is { } path)
        {
            return new ConsentReadFailure(422, "invariant", $"per-1: the period's end is before its start at {path}.", path);
        }
        return null;
    }

    private static string? PeriodProblem(Hl7.Fhir.Model.Consent.provisionComponent provision, string path)
    {
        foreach (var (period, name) in new[] { (provision.Period, "period"), (provision.DataPeriod, "dataPeriod") })
        {
            if (period is { Start: { } start, End: { } end }
                && ConsentPeriod.Range(start) is { } from && ConsentPeriod.Range(end) is { } to && to.AfterLast <= from.First)
            {
                return $"{path}.{name}";
            }
        }
        for (var i = 0; i < provision.Provision.Count; i++)
        {
            if (PeriodProblem(provision.Provision[i], $"{path}.provision[{i}]") is { } nested)
            {
                return nested;
            }
        }
        return null;
    }

    private static string Shorten(string message, int max = MaxMessageLength)
    {
        // SDK messages quote the offending value in full (5 MB for a huge string): keep the start and the location.
        if (message.Length <= max)
        {
            return message;
        }
        var at = Location().Match(message);
        var tail = at.Success ? $" … At {at.Groups[1].Value}" : " …";
        return message[..Math.Max(0, max - tail.Length)] + tail;
    }

    [GeneratedRegex(@"At ([A-Za-z$][\w.\[\]$]*),")]
    private static partial Regex Location();
}
