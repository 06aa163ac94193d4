"""The vocabulary of events: CBV 2.0 words, their Web URIs, and the ledger's own terms.

One place for the words EPCIS 2.0 JSON writes bare (business steps, dispositions,
business transaction and source/destination types, sensor measurement types, exceptions
and components), as the standard context (epcis-context.jsonld 2.0.0) defines them, with
the Web URIs those words stand for. The event model validates against these sets
(`ledger.core.event_members`), the export and the event hash expand them
(`ledger.core.epcis`, `ledger.core.event_hash`).

The ledger's own terms live in the ``tl:`` namespace (`TL_NAMESPACE`, docs/EVENTS.md):
farm work CBV 2.0 lacks (`LEDGER_STEPS`). Which steps the ledger accepts, and who may post
each, is not vocabulary but policy: the FORMAT.md 3.6 table of `ledger.core.policy`
(``BIZ_STEPS``, ``STEP_ROLES``), whose steps are some of the CBV `BIZ_STEPS` plus all of
`LEDGER_STEPS` (tests/core/test_cbv.py checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "BIZ_STEPS",
    "BIZ_STEP_URIS",
    "BIZ_TRANSACTION_TYPES",
    "BTT_URIS",
    "CBVMDA_NAMESPACE",
    "CBV_URNS",
    "COMPONENTS",
    "COMPONENT_URIS",
    "DISPOSITIONS",
    "DISPOSITION_URIS",
    "EXCEPTION_URIS",
    "LEDGER_STEPS",
    "MEASUREMENT_TYPES",
    "MEASUREMENT_URIS",
    "SDT_URIS",
    "SENSOR_EXCEPTIONS",
    "SOURCE_DESTINATION_TYPES",
    "TL_NAMESPACE",
]

# The ledger's extension vocabulary; members and terms named "tl:..." belong to it.
TL_NAMESPACE = "https://traceledger.example/ns/tl#"
# CBV master data attributes (cbvmda:countryOfOrigin), bound as in the EPCIS 2.0 context.
CBVMDA_NAMESPACE = "urn:epcglobal:cbv:mda:"

_CBV = "https://ref.gs1.org/cbv/"
_GS1_VOC = "https://gs1.org/voc/"


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (long vocabularies read better)."""
    return frozenset(text.split())


# ---------------------------------------------------------------------------------------
# CBV 2.0 and the GS1 Web Vocabulary, as EPCIS 2.0 JSON writes them bare
# ---------------------------------------------------------------------------------------

BIZ_STEPS = _words(
    "accepting arriving assembling collecting commissioning consigning creating_class_instance "
    "cycle_counting decommissioning departing destroying disassembling dispensing encoding "
    "entering_exiting holding inspecting installing killing loading other packing picking "
    "receiving removing repackaging repairing replacing reserving retail_selling sampling "
    "sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping"
)
DISPOSITIONS = _words(
    "active available completeness_inferred completeness_verified conformant container_closed "
    "container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit "
    "inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement "
    "no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved "
    "retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable "
    "unknown"
)
BIZ_TRANSACTION_TYPES = _words(
    "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
SOURCE_DESTINATION_TYPES = _words("owning_party possessing_party location")
MEASUREMENT_TYPES = _words(
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance "
    "AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity "
    "Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent "
    "DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity "
    "ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance "
    "KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity "
    "MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration "
    "MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass "
    "MolarVolume Power Pressure RadiantFlux RadiantIntensity Radioactivity RelativeHumidity "
    "Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension "
    "Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux "
    "Wavenumber"
)
SENSOR_EXCEPTIONS = _words("ALARM_CONDITION ERROR_CONDITION")
COMPONENTS = _words(
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting "
    "northing latitude longitude altitude"
)

# ---------------------------------------------------------------------------------------
# The ledger's own terms (docs/EVENTS.md)
# ---------------------------------------------------------------------------------------

# Business steps CBV 2.0 lacks: farm work in the tl: namespace, and `transforming`, which
# payloads write bare (CBV 2.0 has no such step) and the export writes as tl:transforming.
LEDGER_STEPS = frozenset(
    {"tl:sowing", "tl:fertilising", "tl:spraying", "tl:irrigating", "transforming"}
)

# ---------------------------------------------------------------------------------------
# Web URIs of the bare words, and the CBV 1.x URNs they replace
# ---------------------------------------------------------------------------------------


def _web_uris(words: Iterable[str], stem: str) -> Mapping[str, str]:
    return {word: stem + word for word in words}


BIZ_STEP_URIS = _web_uris(BIZ_STEPS, _CBV + "BizStep-")
DISPOSITION_URIS = _web_uris(DISPOSITIONS, _CBV + "Disp-")
BTT_URIS = _web_uris(BIZ_TRANSACTION_TYPES, _CBV + "BTT-")
SDT_URIS = _web_uris(SOURCE_DESTINATION_TYPES, _CBV + "SDT-")
MEASUREMENT_URIS = _web_uris(MEASUREMENT_TYPES, _GS1_VOC)
EXCEPTION_URIS = _web_uris(SENSOR_EXCEPTIONS, _GS1_VOC)
COMPONENT_URIS = _web_uris(COMPONENTS, _CBV + "Comp-")

# CBV 1.x URNs of standard vocabulary and their CBV 2.0 Web URI stems.
CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", _CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", _CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", _CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", _CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", _CBV + "ER-"),
)
