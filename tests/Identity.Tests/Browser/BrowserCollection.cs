namespace Identity.Tests.Browser;

/// <summary>Browser tests run one at a time: two cores cannot carry two Chromium instances and the service at once.</summary>
[CollectionDefinition("Browser", DisableParallelization = true)]
public sealed class BrowserCollection;
