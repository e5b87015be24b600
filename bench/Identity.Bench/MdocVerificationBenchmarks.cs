using System.Formats.Asn1;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Identity.Grains.Mdoc;

namespace Identity.Bench;

/// <summary>
/// One full DeviceResponse verification (<see cref="MdocVerifier.Verify"/>) of the <c>valid_oid4vp_es256</c> vector
/// (28 disclosed elements, P-256 IACA, DS and device key), against the three ECDSA P-256 verifications it contains
/// done bare (DS certificate by the IACA, issuerAuth by the DS, deviceSignature by the device key; keys imported once).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class MdocVerificationBenchmarks
{
    private MdocVerifier _verifier = null!;
    private MdocVerificationContext _context = null!;
    private byte[] _response = [];
    private ECDsa _iacaKey = null!;
    private ECDsa _documentSignerKey = null!;
    private ECDsa _deviceKey = null!;
    private byte[] _certificateTbs = [];
    private byte[] _certificateSignature = [];
    private byte[] _issuerToBeSigned = [];
    private byte[] _issuerSignature = [];
    private byte[] _deviceToBeSigned = [];
    private byte[] _deviceSignature = [];

    [GlobalSetup]
    public void Setup()
    {
        var root = FindVectors();
        _response = File.ReadAllBytes(Path.Combine(root, "cases", "valid_oid4vp_es256.cbor"));
        var trust = IacaTrustList.FromFolder(Path.Combine(root, "trust"));
        var transcript = SessionTranscript.ForOpenId4Vp(
            "x509_san_dns:verifier.example", "CZb-lTmYuecUPDhfgscZgl47-DG4OvN2", null, "https://verifier.example/oid4vp/response");
        _context = new MdocVerificationContext(transcript, new DateTimeOffset(2026, 9, 1, 12, 0, 0, TimeSpan.Zero));
        _verifier = new MdocVerifier(trust);
        if (!_verifier.Verify(_response, _context).IsValid)
        {
            throw new InvalidOperationException("The benchmark vector does not verify.");
        }
        ExtractSignatures(transcript, trust);
        if (!RawEcdsaP256ThreeVerifies())
        {
            throw new InvalidOperationException("The extracted signatures do not verify.");
        }
    }

    [Benchmark(Baseline = true, Description = "3 x ECDSA P-256 verify (bare)")]
    public bool RawEcdsaP256ThreeVerifies() =>
        _iacaKey.VerifyData(_certificateTbs, _certificateSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
        & _documentSignerKey.VerifyData(_issuerToBeSigned, _issuerSignature, HashAlgorithmName.SHA256)
        & _deviceKey.VerifyData(_deviceToBeSigned, _deviceSignature, HashAlgorithmName.SHA256);

    [Benchmark(Description = "MdocVerifier.Verify (DeviceResponse)")]
    public bool VerifyDeviceResponse() => _verifier.Verify(_response, _context).IsValid;

    private void ExtractSignatures(SessionTranscript transcript, IacaTrustList trust)
    {
        var reader = new CborReader(_response);
        reader.ReadStartMap();
        byte[]? issuerProtected = null, mso = null, deviceProtected = null, documentSigner = null;
        ReadOnlyMemory<byte> deviceNameSpaces = default;
        string docType = "";
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            if (reader.ReadTextString() != "documents")
            {
                reader.SkipValue();
                continue;
            }
            reader.ReadStartArray();
            reader.ReadStartMap();
            while (reader.PeekState() != CborReaderState.EndMap)
            {
                switch (reader.ReadTextString())
                {
                    case "docType":
                        docType = reader.ReadTextString();
                        break;
                    case "issuerSigned":
                        reader.ReadStartMap();
                        while (reader.PeekState() != CborReaderState.EndMap)
                        {
                            if (reader.ReadTextString() != "issuerAuth")
                            {
                                reader.SkipValue();
                                continue;
                            }
                            reader.ReadStartArray();
                            issuerProtected = reader.ReadByteString();
                            reader.ReadStartMap();
                            reader.ReadInt32();
                            documentSigner = reader.ReadByteString();
                            reader.ReadEndMap();
                            mso = reader.ReadByteString();
                            _issuerSignature = reader.ReadByteString();
                            reader.ReadEndArray();
                        }
                        reader.ReadEndMap();
                        break;
                    case "deviceSigned":
                        reader.ReadStartMap();
                        while (reader.PeekState() != CborReaderState.EndMap)
                        {
                            if (reader.ReadTextString() == "nameSpaces")
                            {
                                deviceNameSpaces = reader.ReadEncodedValue();
                                continue;
                            }
                            reader.ReadStartMap();
                            reader.ReadTextString();
                            reader.ReadStartArray();
                            deviceProtected = reader.ReadByteString();
                            reader.SkipValue();
                            reader.ReadNull();
                            _deviceSignature = reader.ReadByteString();
                            reader.ReadEndArray();
                            reader.ReadEndMap();
                        }
                        reader.ReadEndMap();
                        break;
                    default:
                        reader.SkipValue();
                        break;
                }
            }
            reader.ReadEndMap();
            reader.ReadEndArray();
        }

        var certificate = new AsnReader(documentSigner, AsnEncodingRules.DER).ReadSequence();
        _certificateTbs = certificate.ReadEncodedValue().ToArray();
        certificate.ReadSequence();
        _certificateSignature = certificate.ReadBitString(out _);
        using var ds = X509CertificateLoader.LoadCertificate(documentSigner!);
        _documentSignerKey = ds.GetECDsaPublicKey()!;
        _iacaKey = trust.Anchors.Select(a => a.Certificate.GetECDsaPublicKey()!)
            .First(k => k.VerifyData(_certificateTbs, _certificateSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        _issuerToBeSigned = SigStructure(issuerProtected!, mso!);

        var msoReader = new CborReader(mso!);
        msoReader.ReadTag();
        msoReader = new CborReader(msoReader.ReadByteString());
        msoReader.ReadStartMap();
        byte[] x = [], y = [];
        while (msoReader.PeekState() != CborReaderState.EndMap)
        {
            if (msoReader.ReadTextString() != "deviceKeyInfo")
            {
                msoReader.SkipValue();
                continue;
            }
            msoReader.ReadStartMap();
            msoReader.ReadTextString();
            msoReader.ReadStartMap();
            while (msoReader.PeekState() != CborReaderState.EndMap)
            {
                switch (msoReader.ReadInt32())
                {
                    case -2:
                        x = msoReader.ReadByteString();
                        break;
                    case -3:
                        y = msoReader.ReadByteString();
                        break;
                    default:
                        msoReader.SkipValue();
                        break;
                }
            }
            msoReader.ReadEndMap();
            msoReader.ReadEndMap();
        }
        _deviceKey = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });

        var deviceAuthentication = new CborWriter();
        deviceAuthentication.WriteStartArray(4);
        deviceAuthentication.WriteTextString("DeviceAuthentication");
        deviceAuthentication.WriteEncodedValue(transcript.Encoded.Span);
        deviceAuthentication.WriteTextString(docType);
        deviceAuthentication.WriteEncodedValue(deviceNameSpaces.Span);
        deviceAuthentication.WriteEndArray();
        var tagged = new CborWriter();
        tagged.WriteTag(CborTag.EncodedCborDataItem);
        tagged.WriteByteString(deviceAuthentication.Encode());
        _deviceToBeSigned = SigStructure(deviceProtected!, tagged.Encode());
    }

    private static byte[] SigStructure(byte[] protectedHeader, byte[] payload)
    {
        var writer = new CborWriter();
        writer.WriteStartArray(4);
        writer.WriteTextString("Signature1");
        writer.WriteByteString(protectedHeader);
        writer.WriteByteString([]);
        writer.WriteByteString(payload);
        writer.WriteEndArray();
        return writer.Encode();
    }

    private static string FindVectors()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "shared", "vectors", "mdl");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("shared/vectors/mdl was not found above the benchmark or working directory.");
    }
}
