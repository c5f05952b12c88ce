using System.IO.Pipelines;

namespace MailCloud.Gateway.Hosting.Proxy;

/// <summary>Reads the PROXY header off the front of a connection, leaving the client's bytes in the pipe.</summary>
internal static class ProxyProtocolReader
{
    public static async Task<ProxyProtocolHeader> ReadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool parsed;
            ProxyProtocolHeader header;
            SequencePosition consumed;
            try
            {
                parsed = ProxyProtocolParser.TryParse(buffer, out header, out consumed);
            }
            catch (ProxyProtocolException)
            {
                input.AdvanceTo(buffer.Start);
                throw;
            }

            if (parsed)
            {
                input.AdvanceTo(consumed);
                return header;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new ProxyProtocolException("the connection closed before the PROXY header was complete");
            }
        }
    }
}
