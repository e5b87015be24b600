using QRCoder;

namespace Identity.Api.Enrollment;

/// <summary>The cross-device QR code (QRCoder, MIT): the wallet link as a PNG data URL, so the page needs no script to draw it.</summary>
public static class WalletQrCode
{
    public static string PngDataUrl(string link)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(link, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
    }
}
