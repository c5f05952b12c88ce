namespace MailCloud.Core.Sieve.Language;

/// <summary>
/// Checks a parsed script against what each command and test accepts (RFC 5228 §2.6–§2.7, §3–§5 and the
/// extensions' own sections): known names, required extensions (§3.2), tagged and positional arguments.
/// It sorts each node's arguments into <see cref="SieveCommand.Tags"/> and <see cref="SieveCommand.Positional"/> for the interpreter.
/// </summary>
internal static class SieveValidator
{
    /// <summary>What this implementation offers, by the names <c>require</c> and ManageSieve's SIEVE capability use.</summary>
    public static readonly IReadOnlyList<string> Extensions =
    [
        "fileinto", "reject", "ereject", "envelope", "imap4flags", "copy", "body", "variables", "relational",
        "subaddress", "vacation", "date", "index", "include", "mailbox", "comparator-i;ascii-numeric",
    ];

    private static readonly HashSet<string> KnownExtensions = new(Extensions, StringComparer.Ordinal);

    private enum Shape { String, StringList, Number }

    /// <summary>A tag, its value's shape when it takes one, the group of tags it excludes, the extension it needs.</summary>
    private sealed record TagSpec(string Name, Shape? Value = null, string? Group = null, string? Extension = null);

    private enum Kind { Command, Test }

    /// <summary>
    /// A command or test: its extension, tags, positional shapes (the first <paramref name="Optional"/> may be left out,
    /// as in <c>setflag ["var"] flags</c>), and whether it takes tests and a block.
    /// </summary>
    private sealed record Spec(
        Kind Kind,
        string? Extension,
        TagSpec[] Tags,
        Shape[] Positional,
        int Optional = 0,
        int MinTests = 0,
        int MaxTests = 0,
        bool Block = false);

    private static readonly TagSpec[] MatchTags =
    [
        new("comparator", Shape.String, "comparator"),
        new("is", null, "match"), new("contains", null, "match"), new("matches", null, "match"),
        new("count", Shape.String, "match", "relational"), new("value", Shape.String, "match", "relational"),
    ];

    private static readonly TagSpec[] AddressPartTags =
    [
        new("all", null, "part"), new("localpart", null, "part"), new("domain", null, "part"),
        new("user", null, "part", "subaddress"), new("detail", null, "part", "subaddress"),
    ];

    private static readonly TagSpec[] IndexTags = [new("index", Shape.Number, null, "index"), new("last", null, null, "index")];

    private static readonly TagSpec[] FlagsTag = [new("flags", Shape.StringList, null, "imap4flags")];

    private static readonly Dictionary<string, Spec> Specs = new(StringComparer.Ordinal)
    {
        ["require"] = new(Kind.Command, null, [], [Shape.StringList]),
        ["if"] = new(Kind.Command, null, [], [], MinTests: 1, MaxTests: 1, Block: true),
        ["elsif"] = new(Kind.Command, null, [], [], MinTests: 1, MaxTests: 1, Block: true),
        ["else"] = new(Kind.Command, null, [], [], Block: true),
        ["stop"] = new(Kind.Command, null, [], []),
        ["keep"] = new(Kind.Command, null, FlagsTag, []),
        ["discard"] = new(Kind.Command, null, [], []),
        ["redirect"] = new(Kind.Command, null, [new("copy", null, null, "copy")], [Shape.String]),
        ["fileinto"] = new(Kind.Command, "fileinto",
            [new("copy", null, null, "copy"), new("create", null, null, "mailbox"), .. FlagsTag], [Shape.String]),
        ["reject"] = new(Kind.Command, "reject", [], [Shape.String]),
        ["ereject"] = new(Kind.Command, "ereject", [], [Shape.String]),
        ["setflag"] = new(Kind.Command, "imap4flags", [], [Shape.String, Shape.StringList], Optional: 1),
        ["addflag"] = new(Kind.Command, "imap4flags", [], [Shape.String, Shape.StringList], Optional: 1),
        ["removeflag"] = new(Kind.Command, "imap4flags", [], [Shape.String, Shape.StringList], Optional: 1),
        ["set"] = new(Kind.Command, "variables",
            [
                new("lower", null, "case"), new("upper", null, "case"),
                new("lowerfirst", null, "casefirst"), new("upperfirst", null, "casefirst"),
                new("quotewildcard"), new("length"),
            ],
            [Shape.String, Shape.String]),
        ["vacation"] = new(Kind.Command, "vacation",
            [
                new("days", Shape.Number), new("subject", Shape.String), new("from", Shape.String),
                new("addresses", Shape.StringList), new("mime"), new("handle", Shape.String),
            ],
            [Shape.String]),
        ["include"] = new(Kind.Command, "include",
            [new("personal", null, "location"), new("global", null, "location"), new("once"), new("optional")],
            [Shape.String]),
        ["return"] = new(Kind.Command, "include", [], []),
        ["global"] = new(Kind.Command, "include", [], [Shape.StringList]),

        ["address"] = new(Kind.Test, null, [.. MatchTags, .. AddressPartTags, .. IndexTags], [Shape.StringList, Shape.StringList]),
        ["envelope"] = new(Kind.Test, "envelope", [.. MatchTags, .. AddressPartTags], [Shape.StringList, Shape.StringList]),
        ["header"] = new(Kind.Test, null, [.. MatchTags, .. IndexTags], [Shape.StringList, Shape.StringList]),
        ["exists"] = new(Kind.Test, null, [], [Shape.StringList]),
        ["size"] = new(Kind.Test, null, [new("over", null, "size"), new("under", null, "size")], [Shape.Number]),
        ["allof"] = new(Kind.Test, null, [], [], MinTests: 1, MaxTests: int.MaxValue),
        ["anyof"] = new(Kind.Test, null, [], [], MinTests: 1, MaxTests: int.MaxValue),
        ["not"] = new(Kind.Test, null, [], [], MinTests: 1, MaxTests: 1),
        ["true"] = new(Kind.Test, null, [], []),
        ["false"] = new(Kind.Test, null, [], []),
        ["body"] = new(Kind.Test, "body",
            [.. MatchTags, new("raw", null, "transform"), new("content", Shape.StringList, "transform"), new("text", null, "transform")],
            [Shape.StringList]),
        ["string"] = new(Kind.Test, "variables", MatchTags, [Shape.StringList, Shape.StringList]),
        ["hasflag"] = new(Kind.Test, "imap4flags", MatchTags, [Shape.StringList, Shape.StringList], Optional: 1),
        ["mailboxexists"] = new(Kind.Test, "mailbox", [], [Shape.StringList]),
        ["date"] = new(Kind.Test, "date",
            [.. MatchTags, new("zone", Shape.String, "zone"), new("originalzone", null, "zone"), .. IndexTags],
            [Shape.String, Shape.String, Shape.StringList]),
        ["currentdate"] = new(Kind.Test, "date", [.. MatchTags, new("zone", Shape.String, "zone")], [Shape.String, Shape.StringList]),
    };

    private static readonly HashSet<string> Relations = new(StringComparer.Ordinal) { "gt", "ge", "lt", "le", "eq", "ne" };

    private static readonly HashSet<string> DateParts = new(StringComparer.Ordinal)
    {
        "year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday",
    };

    public static SieveProgram Validate(IReadOnlyList<SieveCommand> commands)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        bool requiresAllowed = true;
        ValidateBlock(commands, required, ref requiresAllowed, topLevel: true);
        return new SieveProgram(commands, required);
    }

    private static void ValidateBlock(IReadOnlyList<SieveCommand> commands, HashSet<string> required, ref bool requiresAllowed, bool topLevel)
    {
        string? previous = null;
        foreach (var command in commands)
        {
            if (command.Name == "require")
            {
                // RFC 5228 §3.2: require comes before anything else.
                if (!topLevel || !requiresAllowed)
                {
                    throw Error(command.Line, command.Column, "require must come before any other command");
                }
                Sort(command.Name, Specs["require"], command.Arguments, command.Line, command.Column, command.Tags, command.Positional, required);
                var names = (SieveStringArgument)command.Positional[0];
                foreach (string extension in names.Values)
                {
                    if (!KnownExtensions.Contains(extension))
                    {
                        throw Error(names.Line, names.Column, $"unsupported extension \"{extension}\"");
                    }
                    required.Add(extension);
                }
                previous = command.Name;
                continue;
            }
            requiresAllowed = false;

            if (!Specs.TryGetValue(command.Name, out var spec) || spec.Kind != Kind.Command)
            {
                throw Error(command.Line, command.Column, spec is null ? $"unknown command '{command.Name}'" : $"'{command.Name}' is a test, not a command");
            }
            if (command.Name is "elsif" or "else" && previous is not ("if" or "elsif"))
            {
                throw Error(command.Line, command.Column, $"'{command.Name}' must follow 'if' or 'elsif'");
            }
            RequireExtension(spec.Extension, command.Name, required, command.Line, command.Column);
            Sort(command.Name, spec, command.Arguments, command.Line, command.Column, command.Tags, command.Positional, required);
            CheckTests(command.Name, spec, command.Tests, command.Line, command.Column, required);
            if (spec.Block && command.Block is null)
            {
                throw Error(command.Line, command.Column, $"'{command.Name}' needs a block");
            }
            if (!spec.Block && command.Block is not null)
            {
                throw Error(command.Line, command.Column, $"'{command.Name}' takes no block");
            }
            CheckCommandValues(command, required);
            if (command.Block is not null)
            {
                bool inner = false;
                ValidateBlock(command.Block, required, ref inner, topLevel: false);
            }
            previous = command.Name;
        }
    }

    private static void CheckTests(string name, Spec spec, IReadOnlyList<SieveTest> tests, int line, int column, HashSet<string> required)
    {
        if (tests.Count < spec.MinTests || tests.Count > spec.MaxTests)
        {
            throw Error(line, column, spec.MaxTests == 0 ? $"'{name}' takes no test" : $"'{name}' needs {(spec.MaxTests == 1 ? "one test" : "a list of tests")}");
        }
        foreach (var test in tests)
        {
            if (!Specs.TryGetValue(test.Name, out var testSpec) || testSpec.Kind != Kind.Test)
            {
                throw Error(test.Line, test.Column, testSpec is null ? $"unknown test '{test.Name}'" : $"'{test.Name}' is a command, not a test");
            }
            RequireExtension(testSpec.Extension, test.Name, required, test.Line, test.Column);
            Sort(test.Name, testSpec, test.Arguments, test.Line, test.Column, test.Tags, test.Positional, required);
            CheckTests(test.Name, testSpec, test.Tests, test.Line, test.Column, required);
            CheckTestValues(test);
        }
    }

    private static void RequireExtension(string? extension, string name, HashSet<string> required, int line, int column)
    {
        if (extension is not null && !required.Contains(extension))
        {
            throw Error(line, column, $"'{name}' needs require \"{extension}\"");
        }
    }

    private static void Sort(
        string name,
        Spec spec,
        IReadOnlyList<SieveArgument> arguments,
        int line,
        int column,
        Dictionary<string, SieveArgument?> tags,
        List<SieveArgument> positional,
        HashSet<string> required)
    {
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (argument is not SieveTagArgument tag)
            {
                positional.Add(argument);
                continue;
            }
            if (positional.Count > 0)
            {
                throw Error(tag.Line, tag.Column, $"tag ':{tag.Name}' must come before the positional arguments of '{name}'");
            }
            var tagSpec = Array.Find(spec.Tags, t => t.Name == tag.Name)
                ?? throw Error(tag.Line, tag.Column, $"'{name}' has no tag ':{tag.Name}'");
            RequireExtension(tagSpec.Extension, ":" + tag.Name, required, tag.Line, tag.Column);
            if (tags.ContainsKey(tag.Name))
            {
                throw Error(tag.Line, tag.Column, $"tag ':{tag.Name}' given twice");
            }
            if (tagSpec.Group is not null)
            {
                if (groups.TryGetValue(tagSpec.Group, out string? other))
                {
                    throw Error(tag.Line, tag.Column, $"tag ':{tag.Name}' conflicts with ':{other}'");
                }
                groups[tagSpec.Group] = tag.Name;
            }
            SieveArgument? value = null;
            if (tagSpec.Value is { } shape)
            {
                if (i + 1 >= arguments.Count || arguments[i + 1] is SieveTagArgument)
                {
                    throw Error(tag.Line, tag.Column, $"tag ':{tag.Name}' needs {Describe(shape)}");
                }
                value = arguments[++i];
                CheckShape(value, shape, $"tag ':{tag.Name}'");
            }
            tags[tag.Name] = value;
        }

        int min = spec.Positional.Length - spec.Optional;
        if (positional.Count < min || positional.Count > spec.Positional.Length)
        {
            var at = positional.Count > spec.Positional.Length ? positional[spec.Positional.Length] : null;
            throw Error(at?.Line ?? line, at?.Column ?? column,
                $"'{name}' takes {(spec.Optional == 0 ? spec.Positional.Length.ToString() : $"{min} or {spec.Positional.Length}")} positional argument(s), not {positional.Count}");
        }
        int skip = spec.Positional.Length - positional.Count;
        for (int i = 0; i < positional.Count; i++)
        {
            CheckShape(positional[i], spec.Positional[i + skip], $"argument {i + 1} of '{name}'");
        }
    }

    private static void CheckShape(SieveArgument argument, Shape shape, string what)
    {
        bool ok = shape switch
        {
            Shape.Number => argument is SieveNumberArgument,
            Shape.String => argument is SieveStringArgument { IsList: false },
            _ => argument is SieveStringArgument,
        };
        if (!ok)
        {
            throw Error(argument.Line, argument.Column, $"{what} must be {Describe(shape)}");
        }
    }

    private static string Describe(Shape shape) => shape switch
    {
        Shape.Number => "a number",
        Shape.String => "a string",
        _ => "a string list",
    };

    private static void CheckTestValues(SieveTest test)
    {
        if (test.Tags.TryGetValue("comparator", out var comparator))
        {
            var value = (SieveStringArgument)comparator!;
            if (value.Values[0] is not ("i;octet" or "i;ascii-casemap" or "i;ascii-numeric"))
            {
                throw Error(value.Line, value.Column, $"unknown comparator \"{value.Values[0]}\"");
            }
        }
        foreach (string relational in (string[])["count", "value"])
        {
            if (test.Tags.TryGetValue(relational, out var relation) && !Relations.Contains(((SieveStringArgument)relation!).Values[0]))
            {
                throw Error(relation.Line, relation.Column, $"unknown relation \"{((SieveStringArgument)relation).Values[0]}\" (RFC 5231 §4)");
            }
        }
        if (test.Tags.ContainsKey("last") && !test.Tags.ContainsKey("index"))
        {
            throw Error(test.Line, test.Column, "':last' needs ':index' (RFC 5260 §6)");
        }
        if (test.Tags.TryGetValue("index", out var index) && ((SieveNumberArgument)index!).Value < 1)
        {
            throw Error(index.Line, index.Column, "':index' counts from 1");
        }
        if (test.Name == "size" && !test.Tags.ContainsKey("over") && !test.Tags.ContainsKey("under"))
        {
            throw Error(test.Line, test.Column, "'size' needs ':over' or ':under'");
        }
        if (test.Name is "date" or "currentdate")
        {
            var part = (SieveStringArgument)test.Positional[^2];
            if (!DateParts.Contains(part.Values[0].ToLowerInvariant()))
            {
                throw Error(part.Line, part.Column, $"unknown date part \"{part.Values[0]}\" (RFC 5260 §4.2)");
            }
            if (test.Tags.TryGetValue("zone", out var zone) && !SieveDates.TryParseZone(((SieveStringArgument)zone!).Values[0], out _))
            {
                throw Error(zone.Line, zone.Column, "':zone' must be +hhmm or -hhmm");
            }
        }
    }

    private static void CheckCommandValues(SieveCommand command, HashSet<string> required)
    {
        switch (command.Name)
        {
            case "set":
                var name = (SieveStringArgument)command.Positional[0];
                if (!SieveVariables.IsValidName(name.Values[0]))
                {
                    throw Error(name.Line, name.Column, $"invalid variable name \"{name.Values[0]}\" (RFC 5229 §3)");
                }
                break;
            case "global":
                foreach (string value in ((SieveStringArgument)command.Positional[0]).Values)
                {
                    if (!SieveVariables.IsValidName(value) || !required.Contains("variables"))
                    {
                        throw Error(command.Positional[0].Line, command.Positional[0].Column,
                            required.Contains("variables") ? $"invalid variable name \"{value}\"" : "'global' needs require \"variables\" (RFC 6609 §3.3)");
                    }
                }
                break;
            case "vacation":
                if (command.Tags.TryGetValue("days", out var days) && ((SieveNumberArgument)days!).Value < 0)
                {
                    throw Error(days.Line, days.Column, "':days' must not be negative");
                }
                break;
            case "include":
                var script = (SieveStringArgument)command.Positional[0];
                if (script.Values[0].Length == 0 || script.Values[0].Contains('/'))
                {
                    throw Error(script.Line, script.Column, $"invalid script name \"{script.Values[0]}\" (RFC 6609 §3.2)");
                }
                break;
        }
    }

    private static SieveSyntaxException Error(int line, int column, string message) => new(line, column, message);
}
