using System.Security.Cryptography.X509Certificates;

namespace Identity.Grains.Mdoc;

internal static class X509Names
{
    private const string CountryOid = "2.5.4.6";

    public static string? Country(X500DistinguishedName name)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == CountryOid)
            {
                return rdn.GetSingleElementValue();
            }
        }
        return null;
    }
}
