"""REST API of returns (requests.py) and returns to the factory with the
provinces' return weeks (factory.py); common.py holds what both use."""

from .factory import FactoryReturnViewSet, ReturnWindowViewSet
from .requests import ReturnViewSet


def register(router):
    router.register("returns", ReturnViewSet, basename="return")
    router.register("factory-returns", FactoryReturnViewSet, basename="factory-return")
    router.register("return-windows", ReturnWindowViewSet, basename="return-window")
