import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsEnum, IsString, Length, MaxLength } from "class-validator";
import { Field, InputType } from "type-graphql";
import { MAX_URL_LENGTH } from "./webhook-addresses";
import { WebhookEvent } from "./webhook.entity";

export const SECRET_MIN = 32;
export const SECRET_MAX = 256;

@InputType()
export class CreateWebhookInput {
  @Field({ description: `Where to POST: an http or https URL, at most ${MAX_URL_LENGTH} characters, on a public address` })
  @IsString()
  @MaxLength(MAX_URL_LENGTH, { message: `url must be at most ${MAX_URL_LENGTH} characters` })
  url: string;

  @Field(() => [WebhookEvent], { description: "What to send: one or more of the events, each once" })
  @ArrayMinSize(1, { message: "events must name at least one event" })
  @ArrayMaxSize(4, { message: "events names each event at most once" })
  @ArrayUnique({ message: "events names each event at most once" })
  @IsEnum(WebhookEvent, { each: true })
  events: WebhookEvent[];

  @Field({
    description: `The key every delivery is signed with (HMAC-SHA256), ${SECRET_MIN}-${SECRET_MAX} characters of your choosing; ` +
      "kept encrypted, never shown again",
  })
  @IsString()
  @Length(SECRET_MIN, SECRET_MAX, { message: `secret must be ${SECRET_MIN}-${SECRET_MAX} characters` })
  secret: string;
}
