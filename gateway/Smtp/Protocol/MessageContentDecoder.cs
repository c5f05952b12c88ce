using System.Buffers;

namespace MailCloud.Gateway.Smtp.Protocol;

/// <summary>What stopped a message's content from being accepted.</summary>
public enum MessageContentError
{
    None,

    /// <summary>A text line over 1000 octets including CRLF (RFC 5321 §4.5.3.1.6).</summary>
    LineTooLong,

    /// <summary>More octets than the size limit.</summary>
    TooLarge,

    /// <summary>A LF not preceded by CR, a CR not followed by LF, or a NUL octet.</summary>
    BareLineEnding,
}

/// <summary>
/// Decodes message content as it streams in: for DATA, removes dot-stuffing and finds the end
/// (RFC 5321 §4.5.2: only CRLF "." CRLF ends it); for BDAT (RFC 3030) passes octets through.
/// Both check every line. Pure and incremental: feed it any split of the input.
/// </summary>
/// <remarks>
/// Line endings are strict, on purpose. SMTP smuggling (CVE-2023-51764 and kin) hides a second
/// message behind an end-of-data sequence that one server honours and another does not ("\n.\n",
/// "\r.\n", "\n.\r\n", ...). Like Postfix's <c>smtpd_forbid_bare_newline = yes</c>, a bare LF,
/// a bare CR or a NUL anywhere in the content is refused (550 5.6.0) and, for DATA, the session
/// closes at once, so no byte after it is ever read as a command. Over-long lines and over-size
/// content are only remembered: decoding continues to the real end of data, writing nothing.
/// </remarks>
public sealed class MessageContentDecoder
{
    /// <summary>998 octets of text plus CRLF.</summary>
    public const int MaxLineLength = 998;

    private static readonly SearchValues<byte> LineSpecials = SearchValues.Create("\r\n\0"u8);

    private readonly bool _dotStuffed;
    private readonly long _maxSize;
    private State _state = State.LineStart;
    private int _lineLength;

    public MessageContentDecoder(bool dotStuffed, long maxSize)
    {
        _dotStuffed = dotStuffed;
        _maxSize = maxSize;
    }

    private enum State
    {
        LineStart,
        InLine,

        /// <summary>Saw CR; only LF may follow.</summary>
        AfterCr,

        /// <summary>DATA: saw "." at the start of a line.</summary>
        AfterDot,

        /// <summary>DATA: saw "." CR at the start of a line.</summary>
        AfterDotCr,

        Ended,
    }

    /// <summary>Content octets accepted so far (after unstuffing), counted even after an error.</summary>
    public long Size { get; private set; }

    public MessageContentError Error { get; private set; }

    /// <summary>DATA: the terminating CRLF "." CRLF has been read.</summary>
    public bool IsComplete => _state == State.Ended;

    /// <summary>A bare line ending was seen: stop reading, the rest of the input cannot be trusted.</summary>
    public bool IsFatal => Error == MessageContentError.BareLineEnding;

    /// <summary>
    /// Decodes from <paramref name="input"/> into <paramref name="output"/> (which must have room for
    /// <c>input.Length + 1</c> octets: a CR held back from the previous call may be written now).
    /// Stops at the end of data or at a fatal error. Nothing is written once an error is known.
    /// </summary>
    public void Decode(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        if (output.Length < input.Length + 1)
        {
            throw new ArgumentException("The output must be at least one octet longer than the input.", nameof(output));
        }

        var i = 0;
        var w = 0;
        while (i < input.Length && _state != State.Ended && !IsFatal)
        {
            var b = input[i];
            switch (_state)
            {
                case State.LineStart when _dotStuffed && b == (byte)'.':
                    _state = State.AfterDot;
                    i++;
                    break;
                case State.LineStart:
                    _state = State.InLine;
                    break;
                case State.AfterDot when b == (byte)'\r':
                    _state = State.AfterDotCr;
                    i++;
                    break;
                case State.AfterDot:
                    // A stuffed dot: drop it, the rest of the line is content (§4.5.2).
                    _state = State.InLine;
                    break;
                case State.AfterDotCr:
                    if (b == (byte)'\n')
                    {
                        _state = State.Ended;
                        i++;
                    }
                    else
                    {
                        Error = MessageContentError.BareLineEnding;
                    }

                    break;
                case State.AfterCr:
                    if (b == (byte)'\n')
                    {
                        Emit(output, ref w, "\r\n"u8);
                        _state = State.LineStart;
                        _lineLength = 0;
                        i++;
                    }
                    else
                    {
                        Error = MessageContentError.BareLineEnding;
                    }

                    break;
                case State.InLine:
                    var rest = input[i..];
                    var run = rest.IndexOfAny(LineSpecials);
                    var text = run < 0 ? rest : rest[..run];
                    if (_lineLength + text.Length > MaxLineLength)
                    {
                        Remember(MessageContentError.LineTooLong);
                    }

                    _lineLength += text.Length;
                    Emit(output, ref w, text);
                    i += text.Length;
                    if (run >= 0)
                    {
                        if (input[i] == (byte)'\r')
                        {
                            // Held back until the LF proves it is a line ending.
                            _state = State.AfterCr;
                            i++;
                        }
                        else
                        {
                            Error = MessageContentError.BareLineEnding;
                        }
                    }

                    break;
            }
        }

        consumed = i;
        written = w;
    }

    /// <summary>BDAT LAST: the content ends here; a CR held back with no LF after it is bare.</summary>
    public void Finish()
    {
        if (_state == State.AfterCr && Error == MessageContentError.None)
        {
            Error = MessageContentError.BareLineEnding;
        }
    }

    private void Emit(Span<byte> output, ref int written, ReadOnlySpan<byte> bytes)
    {
        Size += bytes.Length;
        if (Size > _maxSize)
        {
            Remember(MessageContentError.TooLarge);
        }

        if (Error == MessageContentError.None)
        {
            bytes.CopyTo(output[written..]);
            written += bytes.Length;
        }
    }

    /// <summary>
    /// The first error stays, except that too large replaces a line too long: which of the two is seen
    /// first depends on how the content was split, and the answer must not (found by fuzz/ smtp-data).
    /// </summary>
    private void Remember(MessageContentError error)
    {
        if (Error == MessageContentError.None || (error == MessageContentError.TooLarge && Error == MessageContentError.LineTooLong))
        {
            Error = error;
        }
    }
}
