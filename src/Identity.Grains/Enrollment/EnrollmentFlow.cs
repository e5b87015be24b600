namespace Identity.Grains.Enrollment;

/// <summary>How the wallet answers an enrolment request (OpenID4VP 1.0).</summary>
[GenerateSerializer]
public enum EnrollmentFlow
{
    /// <summary>Redirect or cross-device: <c>request_uri</c>, the response posted to <c>response_uri</c> encrypted (<c>direct_post.jwt</c>).</summary>
    DirectPostJwt = 0,

    /// <summary>Redirect or cross-device with an unencrypted response (<c>direct_post</c>).</summary>
    DirectPost = 1,
}
