using System.Net;
using MailCloud.Core.Authentication.Dns;
using MailCloud.Core.Authentication.Spf;
using MailCloud.Testing;
using YamlDotNet.RepresentationModel;

namespace MailCloud.Core.Tests.Authentication.Spf;

/// <summary>
/// Every case of the openspf.org RFC 7208 test suite (release 2014.04, rfc7208-tests.yml beside this
/// file, BSD licence in rfc7208-tests.LICENSE), each scenario's zone data served by a
/// <see cref="ZoneDnsResolver"/>. Where a case lists several acceptable results, any passes; an
/// explanation of "DEFAULT" means the domain's exp= must not have been used.
/// </summary>
public sealed class SpfSuiteTests
{
    private static readonly Lazy<IReadOnlyList<SuiteScenario>> Scenarios = new(LoadSuite);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var scenario in Scenarios.Value)
        {
            foreach (var test in scenario.Tests)
            {
                data.Add(scenario.Name, test.Name);
            }
        }

        return data;
    }

    [Fact]
    public void The_suite_has_all_its_cases()
    {
        Assert.Equal(16, Scenarios.Value.Count);
        Assert.Equal(203, Scenarios.Value.Sum(s => s.Tests.Count));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case(string scenarioName, string testName)
    {
        var scenario = Scenarios.Value.Single(s => s.Name == scenarioName);
        var test = scenario.Tests.Single(t => t.Name == testName);
        var evaluator = new SpfEvaluator(scenario.CreateResolver(), TimeProvider.System);

        var check = await evaluator.CheckMailFromAsync(IPAddress.Parse(test.Host), test.MailFrom, test.Helo, "receiver.example.net", CancellationToken.None);

        Assert.True(
            test.Results.Contains(check.Result),
            $"{testName}: expected {string.Join(" or ", test.Results)}, got {check.Result} ({check.Problem})");
        if (test.Explanation == "DEFAULT")
        {
            Assert.Null(check.Explanation);
        }
        else if (test.Explanation is not null)
        {
            Assert.Equal(test.Explanation, check.Explanation);
        }
    }

    private static IReadOnlyList<SuiteScenario> LoadSuite()
    {
        using var reader = File.OpenText(Path.Combine(AppContext.BaseDirectory, "Authentication", "Spf", "rfc7208-tests.yml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select((document, index) => SuiteScenario.From((YamlMappingNode)document.RootNode, index))];
    }

    private sealed record SuiteTest(string Name, string Host, string MailFrom, string Helo, IReadOnlyList<SpfResult> Results, string? Explanation);

    private sealed record SuiteScenario(string Name, IReadOnlyList<SuiteTest> Tests, YamlMappingNode Zone)
    {
        public static SuiteScenario From(YamlMappingNode root, int index)
        {
            var name = root.Children.TryGetValue("description", out var description) ? $"{index + 1:D2} {Scalar(description)}" : $"{index + 1:D2}";
            var tests = ((YamlMappingNode)root["tests"]).Children.Select(pair =>
            {
                var test = (YamlMappingNode)pair.Value;
                var results = test["result"] is YamlSequenceNode list ? list.Select(Scalar) : [Scalar(test["result"])];
                return new SuiteTest(
                    Scalar(pair.Key),
                    Scalar(test["host"]),
                    Scalar(test["mailfrom"]),
                    Scalar(test["helo"]),
                    [.. results.Select(r => Enum.Parse<SpfResult>(r, ignoreCase: true))],
                    test.Children.TryGetValue("explanation", out var explanation) ? Scalar(explanation) : null);
            }).ToList();
            return new SuiteScenario(name, tests, (YamlMappingNode)root["zonedata"]);
        }

        /// <summary>
        /// The zone as the suite means it: type SPF records are also served as TXT unless the name
        /// lists a TXT record of its own (an explicit "TXT: NONE" included, which serves nothing).
        /// </summary>
        public ZoneDnsResolver CreateResolver()
        {
            var resolver = new ZoneDnsResolver();
            foreach (var (nameNode, recordsNode) in Zone.Children)
            {
                var name = Scalar(nameNode);
                var entries = (YamlSequenceNode)recordsNode;
                var hasTxt = entries.OfType<YamlMappingNode>().Any(e => e.Children.Keys.Any(k => Scalar(k) == "TXT"));
                var generated = new List<object>();
                foreach (var entry in entries)
                {
                    if (entry is YamlScalarNode scalar)
                    {
                        resolver.Add(name, Scalar(scalar));
                        continue;
                    }

                    foreach (var (typeNode, valueNode) in ((YamlMappingNode)entry).Children)
                    {
                        var type = Scalar(typeNode);
                        var value = Value(type, valueNode);
                        if (type == "SPF")
                        {
                            if (!hasTxt)
                            {
                                generated.Add(value!);
                            }

                            continue;
                        }

                        if (!(type == "TXT" && value is "NONE"))
                        {
                            resolver.Add(name, type, value);
                        }
                    }
                }

                foreach (var value in generated)
                {
                    resolver.Add(name, "TXT", value);
                }
            }

            return resolver;
        }

        private static object? Value(string type, YamlNode node) => (type, node) switch
        {
            ("MX", YamlSequenceNode mx) => new DnsMx(int.Parse(Scalar(mx[0])), Scalar(mx[1]).TrimEnd('.')),
            (_, YamlSequenceNode strings) => strings.Select(Scalar).ToArray(),
            _ => Scalar(node),
        };
    }

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
}
