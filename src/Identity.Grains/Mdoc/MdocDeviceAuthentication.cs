namespace Identity.Grains.Mdoc;

/// <summary>How the device proved possession of the MSO device key.</summary>
public enum MdocDeviceAuthentication
{
    Signature,
    Mac,
}
