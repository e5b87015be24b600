using System.Buffers.Text;
using Identity.Grains.Enrollment;
using Identity.Grains.Mdoc;
using Identity.Grains.Patients;

namespace Identity.Api.Enrollment;

/// <summary>
/// Turns a wallet's DeviceResponse into an enrolled (or recovered) patient: verify (ISO 18013-5 §9.3 with the
/// transcript this service rebuilt), minimise, look the document up by its keyed hash, audit, then store.
/// A refused presentation stores nothing and is audited as refused.
/// </summary>
public sealed class MdlEnrollment(
    MdocVerifier verifier,
    DocumentKey documentKey,
    IGrainFactory grains,
    IEnrollmentNonceLedger nonces,
    EnrollmentEvents events,
    TimeProvider time)
{
    /// <summary>Spends the session's nonce; null (and the failure to answer with) when the session cannot take a response.</summary>
    public async Task<(EnrollmentSession? Session, EnrollmentFailure? Failure)> BeginAsync(string id, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IEnrollmentGrain>(id);
        if (await grain.GetAsync() is not { } current)
        {
            return (null, EnrollmentFailure.SessionNotFound);
        }
        if (current.Status != EnrollmentStatus.Pending)
        {
            return (null, EnrollmentFailure.ResponseReplayed);
        }
        if (current.IsExpired(time.GetUtcNow()))
        {
            return (null, EnrollmentFailure.Expired);
        }
        if (await grain.BeginVerificationAsync() is not { } session)
        {
            return (null, EnrollmentFailure.ResponseReplayed);
        }
        if (!await nonces.TryConsumeAsync(session.Nonce, cancellationToken))
        {
            await grain.FailedAsync(EnrollmentFailure.ResponseReplayed.Code);
            return (null, EnrollmentFailure.ResponseReplayed);
        }
        return (session, null);
    }

    /// <summary>Records a refusal for a session whose nonce was spent: audited, nothing stored.</summary>
    public async Task<EnrollmentFailure> RefuseAsync(HttpContext http, EnrollmentSession session, EnrollmentFailure failure)
    {
        await grains.GetGrain<IEnrollmentGrain>(session.Id).FailedAsync(failure.Code);
        await events.VerificationFailedAsync(http, failure.Code);
        return failure;
    }

    /// <summary>Verifies the DeviceResponse and enrols or recovers the patient; returns the refusal, or null when the session is now verified.</summary>
    public async Task<EnrollmentFailure?> CompleteAsync(HttpContext http, EnrollmentSession session, byte[] deviceResponse,
        SessionTranscript transcript, string protocol)
    {
        var now = time.GetUtcNow();
        var result = verifier.Verify(deviceResponse, new MdocVerificationContext(transcript, now));
        if (!result.IsValid)
        {
            return await RefuseAsync(http, session, EnrollmentFailure.BadRequest("mdoc_" + result.ErrorCode,
                "The mobile driving licence could not be verified.", result.Detail));
        }
        var minimised = Minimise(result.Document, now, protocol);
        if (minimised.Failure is not null)
        {
            return await RefuseAsync(http, session, minimised.Failure);
        }
        var key = documentKey.For(minimised.Identity!.IssuingCountry, minimised.DocumentNumber!);
        var identity = minimised.Identity with { Evidence = minimised.Identity.Evidence with { DocumentKey = Base64Url.EncodeToString(key) } };

        // The index decides who the document belongs to, also when two enrolments of it race; it holds no personal data.
        var index = grains.GetGrain<IDocumentIndexGrain>(DocumentIndexGrain.KeyFor(key));
        var patientId = await index.GetOwnerAsync() ?? await index.ClaimAsync(Guid.NewGuid());
        var patient = grains.GetGrain<IPatientGrain>(patientId);
        var isRecovery = await patient.GetAsync() is not null;
        await events.IdentityVerifiedAsync(http, patientId, isRecovery, identity.TrustAnchorId);
        await patient.CreateUnverifiedAsync();
        await patient.RecordVerifiedIdentityAsync(identity);
        await grains.GetGrain<IEnrollmentGrain>(session.Id).VerifiedAsync(patientId, isRecovery);
        return null;
    }

    private readonly record struct Minimised(VerifiedIdentity? Identity, string? DocumentNumber, EnrollmentFailure? Failure);

    // Only the fields PROFILES.md keeps; the portrait or anything else a wallet discloses is dropped here.
    private static Minimised Minimise(VerifiedMdoc document, DateTimeOffset now, string protocol)
    {
        if (document.DocType != MdlQuery.DocType)
        {
            return Refused("mdl_doctype_unexpected", $"Expected a {MdlQuery.DocType}, got another document type.");
        }
        var missing = MdlQuery.Elements.Where(e => document.Find(MdlQuery.NameSpace, e) is null).ToArray();
        if (missing.Length > 0)
        {
            return Refused("mdl_element_missing", $"The wallet did not disclose: {string.Join(", ", missing)}.");
        }
        if (Text(document, "given_name") is not { } given || Text(document, "family_name") is not { } family
            || Text(document, "issuing_country") is not { Length: 2 } country || Text(document, "issuing_authority") is not { } authority
            || Text(document, "document_number") is not { } number
            || Date(document, "birth_date") is not { } birth || Date(document, "expiry_date") is not { } expiry)
        {
            return Refused("mdl_element_invalid", "A disclosed element does not have the type ISO 18013-5 gives it.");
        }
        if (document.Issuer.Country is { } iacaCountry && !string.Equals(iacaCountry, country, StringComparison.OrdinalIgnoreCase))
        {
            return Refused("mdl_issuing_country_mismatch", "issuing_country differs from the country of the issuing authority's IACA.");
        }
        if (expiry < DateOnly.FromDateTime(now.UtcDateTime))
        {
            return Refused("mdl_document_expired", "The driving licence has expired.");
        }
        var identity = new VerifiedIdentity
        {
            GivenName = given,
            FamilyName = family,
            BirthDate = birth,
            IssuingCountry = country.ToUpperInvariant(),
            IssuingAuthority = authority,
            DocumentExpiry = expiry,
            VerifiedAt = now,
            TrustAnchorId = document.Issuer.IacaId,
            Evidence = new VerificationEvidence
            {
                DocumentType = document.DocType,
                VerifiedElements = [.. MdlQuery.Elements],
                Protocol = protocol,
                DocumentSignerThumbprint = document.Issuer.DocumentSignerThumbprint,
                IssuerCountry = document.Issuer.Country,
            },
        };
        return new Minimised(identity, number, null);
    }

    private static Minimised Refused(string code, string detail) =>
        new(null, null, EnrollmentFailure.BadRequest(code, "The mobile driving licence cannot be used for enrolment.", detail));

    private static string? Text(VerifiedMdoc document, string element) =>
        document.Find(MdlQuery.NameSpace, element) is MdocValue.Text { Value: { Length: > 0 and <= 256 } text } ? text : null;

    private static DateOnly? Date(VerifiedMdoc document, string element) => document.Find(MdlQuery.NameSpace, element) switch
    {
        MdocValue.FullDate date => date.Value,
        MdocValue.DateTime dateTime => DateOnly.FromDateTime(dateTime.Value.UtcDateTime),
        _ => null,
    };
}
