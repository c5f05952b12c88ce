using System.Buffers;

namespace MailCloud.Gateway.Pop3.Protocol;

/// <summary>
/// Turns a stored message into the body of a RETR or TOP response (RFC 1939 §3): a line that
/// starts with "." gets another "." in front, bare LF becomes CRLF, and <see cref="Complete"/>
/// ends the response with ".". With a line limit (TOP, RFC 1939 §7) it stops after the header,
/// the blank line and that many body lines. Feed it chunks of any size; it keeps its state between them.
/// </summary>
public sealed class DotStuffingEncoder(int? bodyLineLimit = null)
{
    private bool _atLineStart = true;
    private bool _lineEmpty = true;
    private bool _previousWasCr;
    private bool _inHeader = bodyLineLimit is not null;
    private int? _bodyLinesLeft = bodyLineLimit;

    /// <summary>True once a TOP line limit has been reached; further input is ignored.</summary>
    public bool IsDone { get; private set; }

    public void Encode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (IsDone || input.IsEmpty)
        {
            return;
        }

        // Worst case every byte is a line feed (grows to CRLF) or a line-starting dot (doubled).
        var span = output.GetSpan(input.Length * 2);
        var written = 0;
        foreach (var b in input)
        {
            if (b == (byte)'\n')
            {
                if (!_previousWasCr)
                {
                    span[written++] = (byte)'\r';
                }

                span[written++] = (byte)'\n';
                EndLine();
                if (IsDone)
                {
                    break;
                }

                continue;
            }

            if (_atLineStart && b == (byte)'.')
            {
                span[written++] = (byte)'.';
            }

            span[written++] = b;
            _atLineStart = false;
            _previousWasCr = b == (byte)'\r';
            _lineEmpty &= b == (byte)'\r';
        }

        output.Advance(written);
    }

    /// <summary>Ends the last line if the message did not, then writes the terminating ".".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (!_atLineStart)
        {
            output.Write("\r\n"u8);
        }

        Pop3Reply.EndMultiline(output);
    }

    private void EndLine()
    {
        if (_inHeader)
        {
            _inHeader = !_lineEmpty;
            IsDone = !_inHeader && _bodyLinesLeft == 0;
        }
        else if (_bodyLinesLeft is { } left)
        {
            _bodyLinesLeft = left - 1;
            IsDone = left - 1 == 0;
        }

        _atLineStart = true;
        _lineEmpty = true;
        _previousWasCr = false;
    }
}
