using MailCloud.Core;
using MailCloud.Core.Certificates;
using MailCloud.Core.ClientSetup;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Pipeline;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddMailCloudCore(builder.Configuration);
builder.Services.AddMailPipeline(builder.Configuration);
builder.Services.AddClientSetup(builder.Configuration);
builder.Services.AddAcmeRenewal(builder.Configuration);
builder.Services.AddMailCloudTelemetry(builder.Configuration, "mailcloud-functions");
builder.Build().Run();
