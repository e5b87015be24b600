namespace Identity.Grains.Consent;

public enum ConsentWriteStatus
{
    Done,

    /// <summary>No consent of this patient has that id.</summary>
    NotFound,

    /// <summary>The expected version is not the current one (HTTP 412).</summary>
    VersionConflict,

    /// <summary>The resource was refused; see <see cref="ConsentWriteResult.Failure"/>.</summary>
    Invalid,

    /// <summary>A consent with that id exists already.</summary>
    AlreadyExists,
}
