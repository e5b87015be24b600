using System.Text.Json.Nodes;

namespace Identity.Tests.Kubernetes;

/// <summary>Every overlay of <c>k8s/</c> renders, is valid against the Kubernetes schemas, and keeps the deployment rules.</summary>
public sealed class KustomizeTests
{
    public static TheoryData<string> Overlays => new() { "dev", "production" };

    private const string OrleansServiceId = "identityconsent";

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_rendered_object_is_valid_against_the_Kubernetes_schemas(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);

        Assert.True(rendered.ValidatorExitCode == 0, $"k8s/overlays/{overlay}:\n{rendered.ValidatorErrors}");
        Assert.All(rendered.Objects, o => Assert.Equal("identityconsent", (string?)o["metadata"]?["namespace"] ?? (string?)o["metadata"]?["name"]));
    }

    [Fact]
    public async Task The_validator_names_an_invalid_object_and_fails()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: broken
            spec:
              replicas: three
              template: {}
            ---
            apiVersion: example.org/v1
            kind: Unknown
            metadata:
              name: stranger
            """;

        var (exitCode, _, errors) = await RenderedOverlay.ValidateAsync(yaml);

        Assert.Equal(1, exitCode);
        Assert.Contains("apps/v1 Deployment broken: ", errors);
        Assert.Contains("/spec must have required property selector", errors);
        Assert.Contains("/spec/replicas must be integer", errors);
        Assert.Contains("example.org/v1 Unknown stranger: no schema", errors);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_container_has_resources_probes_and_a_non_root_read_only_security_context(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);

        Assert.NotEmpty(rendered.Workloads);
        foreach (var workload in rendered.Workloads)
        {
            var pod = workload["spec"]!["template"]!["spec"]!;
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]?["seccompProfile"]?["type"]);
            foreach (var container in RenderedOverlay.Containers(workload))
            {
                var where = $"{overlay}: {workload["metadata"]!["name"]}/{container["name"]}";
                Assert.True(container["resources"]?["requests"]?["cpu"] is not null && container["resources"]?["requests"]?["memory"] is not null, $"{where}: no cpu/memory requests");
                Assert.True(container["resources"]?["limits"]?["memory"] is not null, $"{where}: no memory limit");
                Assert.True(container["livenessProbe"] is not null, $"{where}: no liveness probe");
                Assert.True(container["readinessProbe"] is not null, $"{where}: no readiness probe");

                var security = container["securityContext"];
                Assert.True(RunsAsNonRoot(pod, container), $"{where}: may run as root");
                Assert.True((bool?)security?["readOnlyRootFilesystem"] == true, $"{where}: root filesystem is writable");
                Assert.True((bool?)security?["allowPrivilegeEscalation"] == false, $"{where}: privilege escalation allowed");
                Assert.Equal(["ALL"], security?["capabilities"]?["drop"]?.AsArray().Select(c => (string?)c) ?? []);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_image_has_an_explicit_tag_other_than_latest(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);

        foreach (var container in rendered.Workloads.SelectMany(RenderedOverlay.Containers))
        {
            var image = (string)container["image"]!;
            var lastPart = image[(image.LastIndexOf('/') + 1)..];
            Assert.True(image.Contains('@') || lastPart.Contains(':'), $"{overlay}: image {image} has no tag");
            Assert.False(image.EndsWith(":latest", StringComparison.Ordinal), $"{overlay}: image {image} uses latest");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Silo_and_API_pods_carry_the_Orleans_Kubernetes_hosting_environment(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        var config = rendered.Single("ConfigMap", "identityconsent-config")["data"]!;
        Assert.Equal("Cluster", (string?)config["Orleans__Mode"]);
        Assert.Equal((string?)config["Orleans__ClusterId"], (string?)config["ORLEANS_CLUSTER_ID"]);
        Assert.Equal((string?)config["Orleans__ServiceId"], (string?)config["ORLEANS_SERVICE_ID"]);

        foreach (var name in new[] { "identityconsent-silo", "identityconsent-api" })
        {
            var deployment = rendered.Single("Deployment", name);
            var template = deployment["spec"]!["template"]!;
            Assert.Equal((string?)config["ORLEANS_CLUSTER_ID"], (string?)template["metadata"]!["labels"]!["orleans/clusterId"]);
            Assert.Equal((string?)config["ORLEANS_SERVICE_ID"], (string?)template["metadata"]!["labels"]!["orleans/serviceId"]);
            Assert.Equal("identityconsent-orleans", (string?)template["spec"]!["serviceAccountName"]);

            var env = Assert.Single(RenderedOverlay.Containers(deployment))["env"]!.AsArray().Select(e => e!.AsObject()).ToList();
            Assert.Equal("metadata.name", FieldRef(env, "POD_NAME"));
            Assert.Equal("metadata.namespace", FieldRef(env, "POD_NAMESPACE"));
            Assert.Equal("status.podIP", FieldRef(env, "POD_IP"));
            Assert.Equal("$(POD_IP)", (string?)Assert.Single(env, e => (string?)e["name"] == "Orleans__AdvertisedIPAddress")["value"]);
            // $(POD_IP) is expanded only from variables defined before it.
            Assert.True(env.FindIndex(e => (string?)e["name"] == "POD_IP") < env.FindIndex(e => (string?)e["name"] == "Orleans__AdvertisedIPAddress"));
            Assert.Equal("postgres-connection-string", SecretKey(env, "ConnectionStrings__Postgres"));
            // Patient grains run on either kind of silo and seal identities with this key.
            Assert.Equal("pii-key", SecretKey(env, "Enrollment__PiiKey"));
        }

        var role = rendered.Single("Role", "identityconsent-orleans");
        var rule = Assert.Single(role["rules"]!.AsArray())!;
        Assert.Equal(["pods"], rule["resources"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule["verbs"]!.AsArray().Select(v => (string)v!).Order());
        var binding = rendered.Single("RoleBinding", "identityconsent-orleans");
        Assert.Equal("identityconsent-orleans", (string?)Assert.Single(binding["subjects"]!.AsArray())!["name"]);
        rendered.Single("ServiceAccount", "identityconsent-orleans");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Only_the_API_port_is_open_beyond_the_Orleans_members(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);

        var silo = rendered.Single("NetworkPolicy", "identityconsent-silo")["spec"]!;
        Assert.Equal("silo", (string?)silo["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]);
        Assert.All(silo["ingress"]!.AsArray(), rule => Assert.Equal(OrleansServiceId,
            (string?)Assert.Single(rule!["from"]!.AsArray())!["podSelector"]!["matchLabels"]!["orleans/serviceId"]));

        var api = rendered.Single("NetworkPolicy", "identityconsent-api")["spec"]!;
        Assert.Equal(["Egress", "Ingress"], api["policyTypes"]!.AsArray().Select(t => (string)t!).Order());
        var open = Assert.Single(api["ingress"]!.AsArray(), rule => rule!["from"] is null)!;
        Assert.Equal(8080, (int)Assert.Single(open["ports"]!.AsArray())!["port"]!);
        var apiContainer = Assert.Single(RenderedOverlay.Containers(rendered.Single("Deployment", "identityconsent-api")));
        Assert.Equal(8080, (int)Assert.Single(apiContainer["ports"]!.AsArray(), p => (string?)p!["name"] == "http")!["containerPort"]!);
    }

    [Fact]
    public async Task Production_runs_three_silos_and_keeps_no_database_or_secret_value()
    {
        var rendered = await RenderedOverlay.RenderAsync("production");

        Assert.True((int)rendered.Single("Deployment", "identityconsent-silo")["spec"]!["replicas"]! >= 3);
        Assert.True((int)rendered.Single("Deployment", "identityconsent-api")["spec"]!["replicas"]! >= 2);
        Assert.True((int)rendered.Single("HorizontalPodAutoscaler", "identityconsent-api")["spec"]!["minReplicas"]! >= 2);
        Assert.Empty(rendered.OfKind("StatefulSet"));
        Assert.Empty(rendered.OfKind("PersistentVolumeClaim"));
        Assert.Empty(rendered.OfKind("Secret"));
        Assert.DoesNotContain(rendered.Workloads, w => (string?)w["metadata"]!["name"] is not ("identityconsent-silo" or "identityconsent-api"));
        Assert.Equal("Production", (string?)rendered.Single("ConfigMap", "identityconsent-config")["data"]!["ASPNETCORE_ENVIRONMENT"]);
        rendered.Single("PodDisruptionBudget", "identityconsent-silo");
    }

    [Fact]
    public async Task Production_believes_forwarded_headers_from_a_private_ingress_network_and_dev_from_loopback_only()
    {
        var production = (await RenderedOverlay.RenderAsync("production")).Single("ConfigMap", "identityconsent-config")["data"]!.AsObject();
        var dev = (await RenderedOverlay.RenderAsync("dev")).Single("ConfigMap", "identityconsent-config")["data"]!.AsObject();

        var networks = production.Where(e => e.Key.StartsWith("ForwardedHeaders__KnownNetworks__", StringComparison.Ordinal))
            .Select(e => System.Net.IPNetwork.Parse((string)e.Value!)).ToList();
        Assert.NotEmpty(networks);
        // A private range (RFC 1918 or IPv6 unique local): no client on the internet can pose as the ingress.
        System.Net.IPNetwork[] privateRanges = [.. new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" }.Select(System.Net.IPNetwork.Parse)];
        Assert.All(networks, network => Assert.Contains(privateRanges, range => range.PrefixLength <= network.PrefixLength && range.Contains(network.BaseAddress)));
        Assert.DoesNotContain(dev, e => e.Key.StartsWith("ForwardedHeaders", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dev_runs_PostgreSQL_with_a_volume_and_Redis_beside_one_silo()
    {
        var rendered = await RenderedOverlay.RenderAsync("dev");

        var postgres = Assert.Single(rendered.OfKind("StatefulSet"));
        Assert.NotEmpty(postgres["spec"]!["volumeClaimTemplates"]!.AsArray());
        rendered.Single("Deployment", "identityconsent-redis");
        rendered.Single("Service", "identityconsent-postgres");
        rendered.Single("Service", "identityconsent-redis");
        Assert.Equal(1, (int)rendered.Single("Deployment", "identityconsent-silo")["spec"]!["replicas"]!);
        var secret = rendered.Single("Secret", "identityconsent-secrets");
        Assert.Contains("dev-only", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(
            ((string)secret["data"]!["postgres-connection-string"]!).ReplaceLineEndings(""))));
    }

    private static bool RunsAsNonRoot(JsonNode pod, JsonObject container)
    {
        var user = (long?)container["securityContext"]?["runAsUser"] ?? (long?)pod["securityContext"]?["runAsUser"];
        var nonRoot = (bool?)container["securityContext"]?["runAsNonRoot"] ?? (bool?)pod["securityContext"]?["runAsNonRoot"];
        return nonRoot == true && user is > 0;
    }

    private static string? SecretKey(List<JsonObject> env, string name)
    {
        var reference = Assert.Single(env, e => (string?)e["name"] == name)["valueFrom"]?["secretKeyRef"];
        Assert.Equal("identityconsent-secrets", (string?)reference?["name"]);
        return (string?)reference?["key"];
    }

    private static string? FieldRef(List<JsonObject> env, string name) =>
        (string?)Assert.Single(env, e => (string?)e["name"] == name)["valueFrom"]?["fieldRef"]?["fieldPath"];
}
