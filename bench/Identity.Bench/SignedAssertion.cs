namespace Identity.Bench;

/// <summary>One ready-to-verify sign-in: the browser's credential JSON and the server's ceremony state for its challenge.</summary>
public sealed record SignedAssertion(string CredentialJson, string AssertionState, byte[] SignedData, byte[] Signature);
