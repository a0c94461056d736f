"""The language-model set-up a deployment's settings describe: the provider chain, its limits, local prices.

`model_setup(settings)` builds one `ModelSetup` per process (the `Platform` keeps it, so circuit breakers
remember failures across questions). Each name in `FOLLOWLYTICS_LLM_CHAIN` becomes a provider when it is
configured (a key, or for `local` a base URL) and is skipped otherwise; `builtin` is the implicit last link
(the loop falls back to it) and is never a provider object. SDK clients are imported here lazily, only for
providers actually configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from followlytics.agent.llm.chain import ModelChain
from followlytics.agent.llm.messages import ChatProvider
from followlytics.agent.llm.pricing import LocalRates
from followlytics.config import Settings
from followlytics.errors import InvalidInput

__all__ = ["KNOWN_PROVIDERS", "ModelSetup", "chain_names", "model_setup"]

KNOWN_PROVIDERS = ("xai", "openai", "anthropic", "local", "builtin")


@dataclass
class ModelSetup:
    chain: ModelChain
    max_steps: int = 6
    token_budget: int = 24000
    max_output_tokens: int = 1200
    local_rates: LocalRates = field(default_factory=LocalRates)

    @property
    def provider_names(self) -> list[str]:
        return [provider.name for provider in self.chain.providers]


def chain_names(settings: Settings) -> list[str]:
    """The chain as configured, checked, `builtin` last (added when missing; anything after it is dropped)."""
    names = [name.strip().lower() for name in settings.llm_chain.split(",") if name.strip()]
    unknown = [name for name in names if name not in KNOWN_PROVIDERS]
    if unknown:
        raise InvalidInput(
            f"FOLLOWLYTICS_LLM_CHAIN: unknown provider {unknown[0]!r} (known: {', '.join(KNOWN_PROVIDERS)})",
            field="llm_chain",
        )
    if "builtin" in names:
        names = names[: names.index("builtin")]
    return [*dict.fromkeys(names), "builtin"]


def model_setup(settings: Settings) -> ModelSetup:
    providers = [
        provider for name in chain_names(settings)[:-1] if (provider := _provider(settings, name)) is not None
    ]
    chain = ModelChain(
        providers,
        retries=settings.llm_retries,
        retry_base=settings.llm_retry_base_seconds,
        max_retry_after=settings.llm_max_retry_after_seconds,
        breaker_failures=settings.llm_breaker_failures,
        breaker_cooldown=settings.llm_breaker_cooldown_seconds,
    )
    return ModelSetup(
        chain=chain,
        max_steps=settings.llm_max_steps,
        token_budget=settings.llm_question_token_budget,
        max_output_tokens=settings.llm_max_output_tokens,
        local_rates=LocalRates.from_settings(settings),
    )


def _provider(settings: Settings, name: str) -> ChatProvider | None:
    timeout = settings.llm_timeout_seconds
    if name == "anthropic":
        if settings.anthropic_api_key is None:
            return None
        from followlytics.agent.llm.anthropic_messages import AnthropicProvider

        return AnthropicProvider(
            name,
            settings.anthropic_model,
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,
            timeout=timeout,
        )
    from followlytics.agent.llm.openai_compat import OpenAICompatProvider

    if name == "xai":
        if settings.xai_api_key is None:
            return None
        key, base_url, model, flavour = settings.xai_api_key, settings.xai_base_url, settings.xai_model, "xai"
    elif name == "openai":
        if settings.openai_api_key is None:
            return None
        key, base_url, model, flavour = (
            settings.openai_api_key,
            settings.openai_base_url,
            settings.openai_model,
            "openai",
        )
    else:  # local
        if not settings.local_llm_base_url:
            return None
        key, base_url, model, flavour = (
            settings.local_llm_api_key,
            settings.local_llm_base_url,
            settings.local_llm_model,
            "generic",
        )
    # A self-hosted server often wants no key, but the SDK insists on one.
    api_key = key.get_secret_value() if key is not None else "none"
    return OpenAICompatProvider(
        name, model, api_key=api_key, base_url=base_url, timeout=timeout, flavour=flavour
    )
