using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Utils;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Sieve.Language;

/// <summary>
/// Runs a compiled script on a message (RFC 5228 §2.10 and the extensions of <see cref="SieveValidator.Extensions"/>).
/// The content is opened only when a test needs the headers or body.
/// </summary>
public sealed class SieveInterpreter(ISieveScriptSource store, IOptions<SieveLanguageOptions> options, TimeProvider time) : ISieveInterpreter
{
    /// <summary>RFC 6609 §3.2: includes nest at most this deep.</summary>
    public const int MaxIncludeDepth = 10;

    public async Task<SieveResult> RunAsync(SieveScript script, SieveMessage message, CancellationToken cancellationToken)
    {
        var run = new SieveRun(store, options.Value, time, message, cancellationToken);
        await run.RunScriptAsync(Compile(script), new SieveVariables(run.Globals), []);
        return run.Finish();
    }

    internal static SieveProgram Compile(SieveScript script)
    {
        try
        {
            return SieveCompiler.Compile(script.Content);
        }
        catch (SieveSyntaxException e)
        {
            throw new SieveRuntimeException($"script \"{script.Name}\" does not compile: {e.ToCompileError()}", e);
        }
    }
}

internal enum SieveFlow { Continue, Stop, Return }

/// <summary>The state of one run: actions so far, implicit keep, flags, message access.</summary>
internal sealed class SieveRun(ISieveScriptSource store, SieveLanguageOptions options, TimeProvider time, SieveMessage message, CancellationToken cancellationToken)
{
    private readonly List<SieveAction> _actions = [];
    private readonly HashSet<string> _flags = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _included = new(StringComparer.Ordinal);
    private bool _implicitKeep = true;
    private int _redirects;
    private int _commands;
    private HeaderList? _headers;
    private MimeMessage? _mime;

    public Dictionary<string, string> Globals { get; } = new(StringComparer.OrdinalIgnoreCase);

    public SieveResult Finish()
    {
        if (_implicitKeep)
        {
            // RFC 5232 §3: the implicit keep takes the internal flags variable's final value.
            AddFile("INBOX", Snapshot(_flags), false);
        }
        return new SieveResult(_actions);
    }

    public async Task<SieveFlow> RunScriptAsync(SieveProgram program, SieveVariables variables, List<string> includeStack) =>
        await BlockAsync(program, program.Commands, variables, includeStack);

    private async Task<SieveFlow> BlockAsync(SieveProgram program, IReadOnlyList<SieveCommand> commands, SieveVariables variables, List<string> includeStack)
    {
        bool? previousBranchTaken = null;
        foreach (var command in commands)
        {
            if (++_commands > options.MaxActions * 10)
            {
                throw new SieveRuntimeException("the script ran too many commands");
            }
            switch (command.Name)
            {
                case "if" or "elsif" or "else":
                    if (command.Name != "if" && previousBranchTaken == true)
                    {
                        continue;
                    }
                    bool take = command.Name == "else" || await TestAsync(program, command.Tests[0], variables);
                    previousBranchTaken = command.Name == "else" ? null : take;
                    if (take)
                    {
                        var flow = await BlockAsync(program, command.Block!, variables, includeStack);
                        if (flow != SieveFlow.Continue)
                        {
                            return flow;
                        }
                    }
                    continue;
                case "stop":
                    return SieveFlow.Stop;
                case "return":
                    return SieveFlow.Return;
                case "include":
                    if (await IncludeAsync(command, variables, includeStack) == SieveFlow.Stop)
                    {
                        return SieveFlow.Stop;
                    }
                    break;
                default:
                    Execute(program, command, variables);
                    break;
            }
            previousBranchTaken = null;
        }
        return SieveFlow.Continue;
    }

    private string Expand(SieveProgram program, SieveVariables variables, string text) =>
        program.Required.Contains("variables") ? variables.Expand(text) : text;

    private string String(SieveProgram program, SieveVariables variables, SieveArgument? argument) =>
        Expand(program, variables, ((SieveStringArgument)argument!).Values[0]);

    private List<string> Strings(SieveProgram program, SieveVariables variables, SieveArgument? argument) =>
        [.. ((SieveStringArgument)argument!).Values.Select(v => Expand(program, variables, v))];

    private void Execute(SieveProgram program, SieveCommand command, SieveVariables variables)
    {
        switch (command.Name)
        {
            case "require":
                return;
            case "keep":
                _implicitKeep = false;
                AddFile("INBOX", Flags(program, command, variables), false);
                return;
            case "discard":
                _implicitKeep = false;
                return;
            case "fileinto":
                if (!command.Tags.ContainsKey("copy"))
                {
                    _implicitKeep = false;
                }
                AddFile(String(program, variables, command.Positional[0]), Flags(program, command, variables), command.Tags.ContainsKey("create"));
                return;
            case "redirect":
                string address = String(program, variables, command.Positional[0]);
                if (!command.Tags.ContainsKey("copy"))
                {
                    _implicitKeep = false;
                }
                // RFC 5228 §2.10.3: the same redirect twice is carried out once.
                if (_actions.OfType<RedirectAction>().Any(r => string.Equals(r.Address, address, StringComparison.OrdinalIgnoreCase)))
                {
                    return;
                }
                if (++_redirects > options.MaxRedirects)
                {
                    throw new SieveRuntimeException($"more than {options.MaxRedirects} redirects");
                }
                Add(new RedirectAction(address));
                return;
            case "reject" or "ereject":
                // RFC 5429 §2.1 and §2.2: only one reject, never with a vacation reply, and a rejected message is not filed.
                if (_actions.Any(a => a is RejectAction or VacationAction or FileAction))
                {
                    throw new SieveRuntimeException($"'{command.Name}' conflicts with an earlier reject, vacation, keep or fileinto");
                }
                _implicitKeep = false;
                Add(new RejectAction(String(program, variables, command.Positional[0]), command.Name == "ereject"));
                return;
            case "setflag" or "addflag" or "removeflag":
                Flag(program, command, variables);
                return;
            case "set":
                variables.Set(String(program, variables, command.Positional[0]), Modify(command, String(program, variables, command.Positional[1])));
                return;
            case "global":
                foreach (string name in Strings(program, variables, command.Positional[0]))
                {
                    variables.DeclareGlobal(name);
                }
                return;
            case "vacation":
                Vacation(program, command, variables);
                return;
        }
        throw new SieveRuntimeException($"'{command.Name}' cannot run here");
    }

    private void Add(SieveAction action)
    {
        if (_actions.Count >= options.MaxActions)
        {
            throw new SieveRuntimeException($"more than {options.MaxActions} actions");
        }
        _actions.Add(action);
    }

    private void AddFile(string folder, IReadOnlySet<string> flags, bool create)
    {
        if (string.Equals(folder, "INBOX", StringComparison.OrdinalIgnoreCase))
        {
            folder = "INBOX";
        }
        if (_actions.Any(a => a is RejectAction))
        {
            throw new SieveRuntimeException("a rejected message cannot also be filed (RFC 5429 §2.1)");
        }
        // RFC 5228 §2.10.3: filing twice into one folder files once; the later flags win.
        int existing = _actions.FindIndex(a => a is FileAction f && f.Folder == folder);
        if (existing >= 0)
        {
            var old = (FileAction)_actions[existing];
            _actions[existing] = new FileAction(folder, flags, old.Create || create);
            return;
        }
        Add(new FileAction(folder, flags, create));
    }

    private static HashSet<string> Snapshot(IEnumerable<string> flags) => new(flags, StringComparer.OrdinalIgnoreCase);

    private IReadOnlySet<string> Flags(SieveProgram program, SieveCommand command, SieveVariables variables) =>
        command.Tags.TryGetValue("flags", out var flags) ? Snapshot(SplitFlags(Strings(program, variables, flags))) : Snapshot(_flags);

    /// <summary>RFC 5232 §3: flag lists are space-separated inside each string; duplicates collapse.</summary>
    private static IEnumerable<string> SplitFlags(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private void Flag(SieveProgram program, SieveCommand command, SieveVariables variables)
    {
        var list = SplitFlags(Strings(program, variables, command.Positional[^1])).ToList();
        if (command.Positional.Count == 2)
        {
            // RFC 5232 §3: a variable holds its flags as one space-separated string.
            string name = String(program, variables, command.Positional[0]);
            var current = Snapshot(SplitFlags([variables.Get(name)]));
            Apply(current, command.Name, list);
            variables.Set(name, string.Join(' ', current));
            return;
        }
        Apply(_flags, command.Name, list);
    }

    private static void Apply(HashSet<string> target, string operation, List<string> list)
    {
        if (operation == "setflag")
        {
            target.Clear();
        }
        foreach (string flag in list)
        {
            if (operation == "removeflag")
            {
                target.Remove(flag);
            }
            else
            {
                target.Add(flag);
            }
        }
    }

    /// <summary>RFC 5229 §4.1: modifiers apply from the highest precedence down.</summary>
    private static string Modify(SieveCommand command, string value)
    {
        if (command.Tags.ContainsKey("lower"))
        {
            value = value.ToLowerInvariant();
        }
        if (command.Tags.ContainsKey("upper"))
        {
            value = value.ToUpperInvariant();
        }
        if (value.Length > 0 && command.Tags.ContainsKey("lowerfirst"))
        {
            value = char.ToLowerInvariant(value[0]) + value[1..];
        }
        if (value.Length > 0 && command.Tags.ContainsKey("upperfirst"))
        {
            value = char.ToUpperInvariant(value[0]) + value[1..];
        }
        if (command.Tags.ContainsKey("quotewildcard"))
        {
            value = value.Replace("\\", "\\\\").Replace("*", "\\*").Replace("?", "\\?");
        }
        if (command.Tags.ContainsKey("length"))
        {
            value = new System.Globalization.StringInfo(value).LengthInTextElements.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return value;
    }

    private void Vacation(SieveProgram program, SieveCommand command, SieveVariables variables)
    {
        if (_actions.Any(a => a is VacationAction or RejectAction))
        {
            throw new SieveRuntimeException("only one vacation per run, and none with reject (RFC 5230 §4.7, RFC 5429 §2.1)");
        }
        string reason = String(program, variables, command.Positional[0]);
        string? subject = command.Tags.TryGetValue("subject", out var s) ? String(program, variables, s) : null;
        string? from = command.Tags.TryGetValue("from", out var f) ? String(program, variables, f) : null;
        bool mime = command.Tags.ContainsKey("mime");
        long days = command.Tags.TryGetValue("days", out var d) ? ((SieveNumberArgument)d!).Value : 7;
        // RFC 5230 §4.2: without :handle, vacations with the same reason, subject, from and :mime share one.
        string handle = command.Tags.TryGetValue("handle", out var h)
            ? String(program, variables, h)
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{reason}\0{subject}\0{from}\0{mime}")));
        var addresses = command.Tags.TryGetValue("addresses", out var a) ? Strings(program, variables, a) : [];
        Add(new VacationAction(reason, mime, handle, TimeSpan.FromDays(Math.Clamp(days, 1, 30)), subject, from, addresses));
    }

    private async Task<SieveFlow> IncludeAsync(SieveCommand command, SieveVariables variables, List<string> includeStack)
    {
        string name = ((SieveStringArgument)command.Positional[0]).Values[0];
        bool global = command.Tags.ContainsKey("global");
        string key = (global ? "global/" : "personal/") + name;
        if (command.Tags.ContainsKey("once") && _included.Contains(key))
        {
            return SieveFlow.Continue;
        }
        // RFC 6609 §3.2: a script including itself, directly or not, is an error at run time.
        if (includeStack.Contains(key))
        {
            throw new SieveRuntimeException($"include loop through \"{name}\"");
        }
        if (includeStack.Count >= SieveInterpreter.MaxIncludeDepth)
        {
            throw new SieveRuntimeException($"includes nest deeper than {SieveInterpreter.MaxIncludeDepth}");
        }
        var script = global
            ? await store.GetGlobalAsync(name, cancellationToken)
            : await store.GetAsync(message.AccountId, name, cancellationToken);
        if (script is null)
        {
            if (command.Tags.ContainsKey("optional"))
            {
                return SieveFlow.Continue;
            }
            throw new SieveRuntimeException($"included script \"{name}\" does not exist");
        }
        _included.Add(key);
        var program = SieveInterpreter.Compile(script);
        var flow = await RunScriptAsync(program, new SieveVariables(Globals), [.. includeStack, key]);
        return flow == SieveFlow.Stop ? SieveFlow.Stop : SieveFlow.Continue;
    }

    private async Task<bool> TestAsync(SieveProgram program, SieveTest test, SieveVariables variables)
    {
        switch (test.Name)
        {
            case "true":
                return true;
            case "false":
                return false;
            case "not":
                return !await TestAsync(program, test.Tests[0], variables);
            case "allof":
                foreach (var t in test.Tests)
                {
                    if (!await TestAsync(program, t, variables))
                    {
                        return false;
                    }
                }
                return true;
            case "anyof":
                foreach (var t in test.Tests)
                {
                    if (await TestAsync(program, t, variables))
                    {
                        return true;
                    }
                }
                return false;
            case "size":
                long limit = ((SieveNumberArgument)test.Positional[0]).Value;
                return test.Tags.ContainsKey("over") ? message.Size > limit : message.Size < limit;
            case "exists":
                var headers = await HeadersAsync();
                return Strings(program, variables, test.Positional[0]).All(n => headers.Contains(n));
            case "mailboxexists":
                // RFC 5490 §3.1: true only if every named folder exists.
                foreach (var name in Strings(program, variables, test.Positional[0]))
                {
                    if (!await message.FolderExistsAsync(name, cancellationToken))
                    {
                        return false;
                    }
                }

                return true;
        }

        var matcher = new SieveMatcher(test.Tags, t => Expand(program, variables, t));
        List<string> values = test.Name switch
        {
            "header" => await HeaderValuesAsync(program, test, variables),
            "address" => await AddressValuesAsync(program, test, variables),
            "envelope" => EnvelopeValues(program, test, variables),
            "string" => Strings(program, variables, test.Positional[0]),
            "hasflag" => HasFlagValues(program, test, variables),
            "body" => await BodyValuesAsync(test, program, variables),
            "date" => await DateValuesAsync(program, test, variables),
            "currentdate" => CurrentDateValues(program, test, variables),
            _ => throw new SieveRuntimeException($"'{test.Name}' cannot run here"),
        };
        var keys = Strings(program, variables, test.Positional[^1]);
        if (test.Name == "hasflag" && !matcher.IsCount)
        {
            keys = [.. SplitFlags(keys)];
        }
        bool result = matcher.Test(values, keys, out var captures);
        if (result && captures is not null && program.Required.Contains("variables"))
        {
            variables.MatchValues = captures;
        }
        return result;
    }

    private async Task<HeaderList> HeadersAsync()
    {
        if (_headers is null)
        {
            await using var stream = await message.OpenContentAsync(cancellationToken);
            _headers = await HeaderList.LoadAsync(stream, cancellationToken);
        }
        return _headers;
    }

    private async Task<MimeMessage> MimeAsync()
    {
        if (_mime is null)
        {
            await using var stream = await message.OpenContentAsync(cancellationToken);
            _mime = await MimeMessage.LoadAsync(stream, cancellationToken);
        }
        return _mime;
    }

    /// <summary>The header fields named, in order, narrowed by :index/:last (RFC 5260 §6).</summary>
    private async Task<List<Header>> FieldsAsync(SieveProgram program, SieveTest test, SieveVariables variables, IEnumerable<string> names)
    {
        var headers = await HeadersAsync();
        var wanted = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        var fields = headers.Where(h => wanted.Contains(h.Field)).ToList();
        if (test.Tags.TryGetValue("index", out var index))
        {
            long n = ((SieveNumberArgument)index!).Value;
            int i = (int)Math.Min(n, int.MaxValue) - 1;
            if (test.Tags.ContainsKey("last"))
            {
                i = fields.Count - 1 - i;
            }
            fields = i >= 0 && i < fields.Count ? [fields[i]] : [];
        }
        return fields;
    }

    private async Task<List<string>> HeaderValuesAsync(SieveProgram program, SieveTest test, SieveVariables variables)
    {
        // RFC 5228 §2.7.2: compare header values unfolded and with RFC 2047 encoded words decoded; MimeKit's Value is both.
        var fields = await FieldsAsync(program, test, variables, Strings(program, variables, test.Positional[0]));
        return [.. fields.Select(h => h.Value.Trim())];
    }

    private async Task<List<string>> AddressValuesAsync(SieveProgram program, SieveTest test, SieveVariables variables)
    {
        var fields = await FieldsAsync(program, test, variables, Strings(program, variables, test.Positional[0]));
        var values = new List<string>();
        foreach (var field in fields)
        {
            if (!InternetAddressList.TryParse(field.Value, out var list))
            {
                // RFC 5228 §5.1: a header that is not an address list is compared whole.
                AddPart(values, test, field.Value.Trim());
                continue;
            }
            foreach (var mailbox in list.Mailboxes)
            {
                AddPart(values, test, mailbox.Address);
            }
        }
        return values;
    }

    private List<string> EnvelopeValues(SieveProgram program, SieveTest test, SieveVariables variables)
    {
        var values = new List<string>();
        foreach (string part in Strings(program, variables, test.Positional[0]))
        {
            string? address = part.ToLowerInvariant() switch { "from" => message.EnvelopeFrom, "to" => message.EnvelopeTo, _ => null };
            if (address is null)
            {
                continue;
            }
            // RFC 5228 §5.4: the null reverse-path is the empty string, whatever part is asked for.
            if (address.Length == 0)
            {
                if (!test.Tags.ContainsKey("detail") && !test.Tags.ContainsKey("user"))
                {
                    values.Add("");
                }
                continue;
            }
            AddPart(values, test, address);
        }
        return values;
    }

    /// <summary>The address part asked for (RFC 5228 §2.7.4, RFC 5233 §4 with '+' as the separator).</summary>
    private static void AddPart(List<string> values, SieveTest test, string address)
    {
        int at = address.LastIndexOf('@');
        string local = at < 0 ? address : address[..at];
        string domain = at < 0 ? "" : address[(at + 1)..];
        int plus = local.IndexOf('+');
        if (test.Tags.ContainsKey("localpart"))
        {
            values.Add(local);
        }
        else if (test.Tags.ContainsKey("domain"))
        {
            values.Add(domain);
        }
        else if (test.Tags.ContainsKey("user"))
        {
            values.Add(plus < 0 ? local : local[..plus]);
        }
        else if (test.Tags.ContainsKey("detail"))
        {
            // RFC 5233 §4: without a separator the :detail test does not match.
            if (plus >= 0)
            {
                values.Add(local[(plus + 1)..]);
            }
        }
        else
        {
            values.Add(address);
        }
    }

    private List<string> HasFlagValues(SieveProgram program, SieveTest test, SieveVariables variables) =>
        test.Positional.Count == 2
            ? [.. SplitFlags(Strings(program, variables, test.Positional[0]).Select(variables.Get))]
            : [.. _flags];

    private async Task<List<string>> BodyValuesAsync(SieveTest test, SieveProgram program, SieveVariables variables)
    {
        var mime = await MimeAsync();
        if (test.Tags.ContainsKey("raw"))
        {
            // RFC 5173 §5.1: the body undecoded.
            using var raw = new MemoryStream();
            if (mime.Body is null)
            {
                return [""];
            }
            await mime.Body.WriteToAsync(FormatOptions.Default, raw, contentOnly: true, cancellationToken);
            return [Encoding.UTF8.GetString(raw.ToArray())];
        }
        var types = test.Tags.TryGetValue("content", out var content) ? Strings(program, variables, content) : ["text"];
        var values = new List<string>();
        foreach (var part in mime.BodyParts.OfType<MimePart>())
        {
            var type = part.ContentType;
            bool wanted = types.Any(t => t.Length == 0
                || (t.Contains('/') ? type.IsMimeType(t[..t.IndexOf('/')], t[(t.IndexOf('/') + 1)..]) : type.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase)));
            if (!wanted)
            {
                continue;
            }
            if (part is TextPart text)
            {
                values.Add(text.Text);
            }
            else if (test.Tags.ContainsKey("content") && part.Content is not null)
            {
                using var decoded = new MemoryStream();
                await part.Content.DecodeToAsync(decoded, cancellationToken);
                values.Add(Encoding.UTF8.GetString(decoded.ToArray()));
            }
        }
        return values;
    }

    private async Task<List<string>> DateValuesAsync(SieveProgram program, SieveTest test, SieveVariables variables)
    {
        var fields = await FieldsAsync(program, test, variables, [String(program, variables, test.Positional[0])]);
        string part = String(program, variables, test.Positional[1]);
        var values = new List<string>();
        foreach (var field in fields)
        {
            // RFC 5260 §4: a header without a valid date does not match.
            if (DateUtils.TryParse(field.Value, out var date))
            {
                values.Add(SieveDates.Part(InZone(test, date, keepOriginal: test.Tags.ContainsKey("originalzone")), part) ?? "");
            }
        }
        return values;
    }

    private List<string> CurrentDateValues(SieveProgram program, SieveTest test, SieveVariables variables)
    {
        string part = String(program, variables, test.Positional[0]);
        return [SieveDates.Part(InZone(test, time.GetUtcNow(), keepOriginal: false), part) ?? ""];
    }

    /// <summary>RFC 5260 §4.1: :zone converts, :originalzone keeps the header's; the default zone here is UTC.</summary>
    private static DateTimeOffset InZone(SieveTest test, DateTimeOffset date, bool keepOriginal)
    {
        if (keepOriginal)
        {
            return date;
        }
        var offset = test.Tags.TryGetValue("zone", out var zone) && SieveDates.TryParseZone(((SieveStringArgument)zone!).Values[0], out var z) ? z : TimeSpan.Zero;
        return date.ToOffset(offset);
    }
}
