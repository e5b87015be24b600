namespace Identity.Api.Enrollment.DemoWallet;

/// <summary>What the demo wallet posts to the verifier: the form fields of a <c>direct_post</c> / <c>direct_post.jwt</c> response.</summary>
public sealed record DemoWalletAnswer(string ResponseUri, IReadOnlyDictionary<string, string> Form);
