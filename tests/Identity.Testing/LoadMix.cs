namespace Identity.Testing;

/// <summary>One operation of the cluster's mixed load (<see cref="Ceremonies"/> has each one's requests).</summary>
public enum LoadOperation
{
    Register,
    Enrol,
    SignIn,
    AddPasskey,
    Rename,
    ConsentChange,
    Token,
}

/// <summary>
/// How often the mixed load picks each operation, the same for the cluster tests and the load harness: a new patient
/// with the given share (three in five by passkey registration, two in five by mDL enrolment), otherwise for one of the
/// client's patients a sign-in (40 %), an added passkey (10 %), a rename (10 %), a consent change (25 %: a new Consent
/// for a patient without one or one time in three, else a new version of one) or a network's token request (15 %).
/// </summary>
public static class LoadMix
{
    public const double DefaultNewPatientShare = 0.25;

    public static LoadOperation Next(Random random, bool hasPatients, double newPatientShare = DefaultNewPatientShare)
    {
        var choice = random.NextDouble();
        if (!hasPatients || choice < newPatientShare)
        {
            return random.NextDouble() < 0.6 ? LoadOperation.Register : LoadOperation.Enrol;
        }
        return ((choice - newPatientShare) / (1 - newPatientShare)) switch
        {
            < 0.40 => LoadOperation.SignIn,
            < 0.50 => LoadOperation.AddPasskey,
            < 0.60 => LoadOperation.Rename,
            < 0.85 => LoadOperation.ConsentChange,
            _ => LoadOperation.Token,
        };
    }

    /// <summary>Whether a consent change creates a Consent (true) or versions one of the patient's <paramref name="consents"/>.</summary>
    public static bool CreatesConsent(Random random, int consents) => consents == 0 || random.NextDouble() < 1 / 3.0;

    /// <summary>The status a new version gets: the other one of active and inactive.</summary>
    public static string Toggled(string status) => status == "active" ? "inactive" : "active";
}
