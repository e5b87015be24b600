using System.Text;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Primitives;

namespace Identity.Api.Tokens;

/// <summary>
/// The consent screen at authorize: plain HTML with no script, readable by screen readers, showing the app, the networks,
/// what each scope shares and which identity claims are asked. The form posts the same authorization request back with
/// the patient's decision and an antiforgery token.
/// </summary>
public static class ConsentPage
{
    public const string DecisionField = "consent_decision";
    public const string Allow = "allow";
    public const string Deny = "deny";

    public static IResult Render(ConsentView view, IEnumerable<KeyValuePair<string, StringValues>> requestParameters, string antiforgeryField, string antiforgeryToken)
    {
        var html = HtmlEncoder.Default;
        var page = new StringBuilder();
        page.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Share your health data with ").Append(html.Encode(view.ClientName)).Append("?</title>")
            .Append("<link rel=\"stylesheet\" href=\"/css/site.css\"></head><body><main id=\"consent\">")
            .Append("<h1>Share with <span id=\"client-name\">").Append(html.Encode(view.ClientName)).Append("</span>?</h1>");
        if (view.Networks.Count > 0)
        {
            page.Append("<h2>Networks that will receive the token</h2><ul id=\"networks\">");
            foreach (var network in view.Networks)
            {
                page.Append("<li>").Append(html.Encode(network.Name)).Append(" <small>(").Append(html.Encode(network.Resource)).Append(")</small></li>");
            }
            page.Append("</ul>");
        }
        page.Append("<h2>What the app asks for</h2><ul id=\"scopes\">");
        foreach (var (scope, description) in view.Scopes)
        {
            page.Append("<li data-scope=\"").Append(html.Encode(scope)).Append("\">").Append(html.Encode(description)).Append("</li>");
        }
        page.Append("</ul>");
        if (view.IdentityClaims.Count > 0)
        {
            page.Append("<h2>Verified identity details</h2><ul id=\"claims\">");
            foreach (var claim in view.IdentityClaims)
            {
                page.Append("<li>").Append(html.Encode(claim)).Append("</li>");
            }
            page.Append("</ul>");
        }
        page.Append("<p>Your identity assurance: <strong>").Append(html.Encode(view.Assurance)).Append("</strong>. ")
            .Append("You can withdraw this permission later; the app then loses access at once.</p>")
            .Append("<form method=\"post\" action=\"").Append(html.Encode(view.Action)).Append("\">");
        foreach (var (name, values) in requestParameters)
        {
            if (name == DecisionField || name == antiforgeryField)
            {
                continue;
            }
            foreach (var value in values)
            {
                page.Append("<input type=\"hidden\" name=\"").Append(html.Encode(name)).Append("\" value=\"").Append(html.Encode(value ?? "")).Append("\">");
            }
        }
        page.Append("<input type=\"hidden\" name=\"").Append(html.Encode(antiforgeryField)).Append("\" value=\"").Append(html.Encode(antiforgeryToken)).Append("\">")
            .Append("<button type=\"submit\" id=\"allow\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Allow).Append("\">Allow</button> ")
            .Append("<button type=\"submit\" id=\"deny\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Deny).Append("\">Deny</button>")
            .Append("</form></main></body></html>");
        return Results.Content(page.ToString(), "text/html; charset=utf-8");
    }
}
