namespace Identity.Api.Enrollment.DemoWallet;

/// <summary>A request the demo wallet cannot answer.</summary>
public sealed class DemoWalletException(string message) : Exception(message);
